//go:build amd64 && !purego

#include "textflag.h"

// The bytes the vector tests compare with, each broadcast to 32 lanes.
DATA stopConsts<>+0(SB)/1, $0x30
DATA stopConsts<>+1(SB)/1, $0x10
DATA stopConsts<>+2(SB)/1, $0xEF
DATA stopConsts<>+3(SB)/1, $0xB2
DATA stopConsts<>+4(SB)/1, $0x05
DATA stopConsts<>+5(SB)/1, $0xBD
DATA stopConsts<>+6(SB)/1, $0x0C
DATA stopConsts<>+7(SB)/1, $0xBF
DATA stopConsts<>+8(SB)/1, $0x8B
GLOBL stopConsts<>(SB), RODATA|NOPTR, $16


// func stopIndexAVX2(b []byte, names bool) (k int, found bool)
//
// Looks at b 32 bytes at a time while 34 bytes remain (the anchor test
// reads two bytes ahead) and returns the offset of the first byte that is
// 0x30-0x40 or 0xEF, or, when names is set, 0xB2 with (b[k+2]|0x05) ==
// 0xBD, or (b[k]|0x0C) == 0xBF with b[k+2] == 0x8B. If none, it returns
// the offset where it stopped looking (len(b)-33 or more) and found false.
TEXT ·stopIndexAVX2(SB), NOSPLIT, $0-41
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), DX
	MOVBLZX names+24(FP), R8
	XORQ AX, AX

	VPBROADCASTB stopConsts<>+0(SB), Y6 // 0x30
	VPBROADCASTB stopConsts<>+1(SB), Y7 // 0x10
	VPBROADCASTB stopConsts<>+2(SB), Y8 // 0xEF
	VPBROADCASTB stopConsts<>+3(SB), Y9 // 0xB2
	VPBROADCASTB stopConsts<>+4(SB), Y10 // 0x05
	VPBROADCASTB stopConsts<>+5(SB), Y11 // 0xBD
	VPBROADCASTB stopConsts<>+6(SB), Y12 // 0x0C
	VPBROADCASTB stopConsts<>+7(SB), Y13 // 0xBF
	VPBROADCASTB stopConsts<>+8(SB), Y14 // 0x8B

loop:
	LEAQ 34(AX), R10
	CMPQ R10, DX
	JA   notfound
	VMOVDQU (SI)(AX*1), Y0
	VPSUBB  Y6, Y0, Y1  // x - 0x30
	VPMINUB Y7, Y1, Y2  // min(x - 0x30, 0x10)
	VPCMPEQB Y1, Y2, Y2 // x in 0x30-0x40
	VPCMPEQB Y8, Y0, Y3 // x == 0xEF
	VPOR    Y3, Y2, Y2
	TESTQ   R8, R8
	JZ      mask
	VMOVDQU 2(SI)(AX*1), Y4 // y: the bytes two ahead
	VPCMPEQB Y9, Y0, Y3     // x == 0xB2
	VPOR    Y10, Y4, Y5     // y | 0x05
	VPCMPEQB Y11, Y5, Y5    // == 0xBD
	VPAND   Y5, Y3, Y3
	VPOR    Y3, Y2, Y2
	VPOR    Y12, Y0, Y3     // x | 0x0C
	VPCMPEQB Y13, Y3, Y3    // == 0xBF
	VPCMPEQB Y14, Y4, Y5    // y == 0x8B
	VPAND   Y5, Y3, Y3
	VPOR    Y3, Y2, Y2

mask:
	VPMOVMSKB Y2, BX
	TESTL   BX, BX
	JNZ     found
	ADDQ    $32, AX
	JMP     loop

found:
	BSFL    BX, BX
	ADDQ    BX, AX
	VZEROUPPER
	MOVQ    AX, k+32(FP)
	MOVB    $1, found+40(FP)
	RET

notfound:
	VZEROUPPER
	MOVQ    AX, k+32(FP)
	MOVB    $0, found+40(FP)
	RET
