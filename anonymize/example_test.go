package anonymize_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/yasam/privacy/anonymize"
	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/policy"

	"github.com/yasam/privacy/purpose"
)

func ExampleScanner_AppendFindings() {
	s := anonymize.NewScanner()
	text := []byte("ИИН901123300258, тел. 8(771)000-99-98, счёт kz86 125k zt50 0410 0100")
	var buf [8]anonymize.Finding
	for _, f := range s.AppendFindings(buf[:0], text) {
		fmt.Printf("%s %q verified=%v\n", f.Kind, text[f.Start:f.End], f.Verified)
	}
	// Output:
	// iin "901123300258" verified=true
	// phone "8(771)000-99-98" verified=false
	// iban "kz86 125k zt50 0410 0100" verified=true
}

func ExampleNormalizePhone() {
	n, ok := anonymize.NormalizePhone("+7 (771) 000-99-98")
	fmt.Println(n, ok)
	// Output: +77710009998 true
}

func ExampleRedactor_String() {
	r := anonymize.NewRedactor(anonymize.WithOperator(anonymize.KindCard, anonymize.Mask{KeepLast: 4}))
	fmt.Println(r.String("ИИН 901123300258 оплатил картой 4111 1111 1111 1111"))
	// Output: ИИН [iin] оплатил картой **** **** **** 1111
}

func ExamplePseudonymizer() {
	// The secret is the "additional information" of clause 1.1.7: load it
	// from a secrets manager, never from the same store as the data.
	p, err := anonymize.NewPseudonymizer(anonymize.Key{ID: "2025a", Secret: []byte("example secret, 32 bytes long!!!")})
	if err != nil {
		log.Fatal(err)
	}
	a := p.Pseudonym(anonymize.KindPhone, "+7 (771) 000-99-98")
	b := p.Pseudonym(anonymize.KindPhone, "87710009998")
	fmt.Println(a == b)
	id, _ := anonymize.KeyID(a)
	fmt.Println(id)
	// Output:
	// true
	// 2025a
}

func ExampleTokenizer() {
	t, err := anonymize.NewTokenizer(anonymize.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := t.Tokenize(anonymize.KindIIN, "901123300258")
	if err != nil {
		log.Fatal(err)
	}
	kind, value, err := t.Detokenize(tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(kind, value)
	// Output: iin 901123300258
}

func ExampleRedactCategories() {
	type Customer struct {
		Name  string `privacy:"identity"`
		IIN   string `privacy:"iin"`
		Phone string `privacy:"phone,mask"`
		Card  string `privacy:"card,mask"`
	}
	r := anonymize.NewRedactor()
	c, err := anonymize.RedactCategories(r, Customer{
		Name: "Иван", IIN: "901123300258", Phone: "87710009998", Card: "4111111111111111",
	}, purpose.IINBIN, purpose.PaymentDetails)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", c)
	// Output: {Name:Иван IIN:[iin] Phone:87710009998 Card:************1111}
}

// A policy decision's obligations name the categories the host must exclude
// or mask; RedactCategories carries them out on the data before it leaves.
func ExampleRedactCategories_obligation() {
	type Filing struct {
		IIN     string `privacy:"iin"`
		Revenue string `privacy:"commercial_secret"`
		Period  string
	}
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	store := consent.NewMemoryStore()
	engine, err := policy.New(policy.WithConsentStore(store), policy.WithRecipients(disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody}))
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Append(context.Background(), consent.AcceptPolicy("user-1", engine.Version().ID, at)); err != nil {
		log.Fatal(err)
	}
	d, err := engine.Check(context.Background(), "user-1", purpose.Verification, "kgd")
	if err != nil || !d.Allowed {
		log.Fatal(d, err)
	}
	var exclude []purpose.Category
	for _, o := range d.Obligations {
		exclude = append(exclude, o.Categories...)
	}
	out, err := anonymize.RedactCategories(anonymize.NewRedactor(), Filing{IIN: "901123300258", Revenue: "12 500 000 KZT", Period: "2025-Q4"}, exclude...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(exclude)
	fmt.Printf("%+v\n", out)
	// Output:
	// [commercial_secret]
	// {IIN:901123300258 Revenue:[commercial_secret] Period:2025-Q4}
}

func ExampleNewSlogHandler() {
	h := anonymize.NewSlogHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable output
			}
			return a
		},
	}))
	logger := slog.New(h)
	logger.Info("login by 901123300258", "phone", "+7 771 000 99 98", slog.Group("req", "email", "ivan@mail.kz"))
	// Output: level=INFO msg="login by [iin]" phone=[phone] req.email=[email]
}

func ExampleWithRedactor() {
	// Phones masked, IP addresses kept: the scanner leaves them out.
	s := anonymize.NewScanner(anonymize.WithKinds(anonymize.KindIIN, anonymize.KindPhone, anonymize.KindName))
	r := anonymize.NewRedactor(anonymize.WithScanner(s),
		anonymize.WithOperator(anonymize.KindPhone, anonymize.Mask{KeepLast: 2}))
	h := anonymize.NewSlogHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable output
			}
			return a
		},
	}), anonymize.WithRedactor(r))
	slog.New(h).Info("callback", "to", "Иванов Иван Иванович, +7 701 000 11 22", "from", "10.0.0.1")
	// Output: level=INFO msg=callback to="[full_name], +* *** *** ** 22" from=10.0.0.1
}

func ExampleFinding_Line() {
	s := anonymize.NewScanner()
	text := "моб. 8 (701) 000-11-22, офис 8 (7172) 55-66-77"
	for _, f := range s.ScanString(text) {
		fmt.Println(text[f.Start:f.End], f.Line)
	}
	// Output:
	// 8 (701) 000-11-22 mobile
	// 8 (7172) 55-66-77 fixed
}
