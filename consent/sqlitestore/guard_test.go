package sqlitestore_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/sqlitestore"
	"github.com/yasam/privacy/purpose"
)

const (
	readOnlyEnv = "SQLITESTORE_READONLY_HELPER_DIR"
	nobody      = 65534
)

// TestReadOnlyHelper is not a test: TestOpenReadOnlyFails runs the test
// binary again with it, as an unprivileged user, to open databases that
// user may read but not write. It prints one line per case.
func TestReadOnlyHelper(t *testing.T) {
	dir := os.Getenv(readOnlyEnv)
	if dir == "" {
		t.Skip("helper process for TestOpenReadOnlyFails")
	}
	for _, name := range []string{"ro-file", "ro-dir"} {
		s, err := sqlitestore.Open(context.Background(), filepath.Join(dir, name, "c.db"))
		switch {
		case err == nil:
			// What the store would do: allow while withdrawals fail.
			_, serr := s.State(context.Background(), "u")
			aerr := s.Append(context.Background(), consent.Withdraw("u", purpose.Payments, "bank", time.Now()))
			fmt.Printf("case %s opened state-err=%v append-err=%v\n", name, serr != nil, aerr != nil)
			s.Close()
		default:
			fmt.Printf("case %s err read-only=%v unavailable=%v msg=%q\n", name,
				errors.Is(err, sqlitestore.ErrReadOnly), errors.Is(err, consent.ErrUnavailable), err.Error())
		}
	}
}

// TestOpenReadOnlyFails shows that a database the process may read but not
// write is refused at Open with ErrReadOnly, rather than opened to serve
// allows while every withdrawal fails. Permissions do not bind root, so
// under root the checks run in a child process as an unprivileged user.
func TestOpenReadOnlyFails(t *testing.T) {
	base := t.TempDir()
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	for _, name := range []string{"ro-file", "ro-dir"} {
		dir := filepath.Join(base, name)
		require.NoError(t, os.Mkdir(dir, 0o755))
		s, err := sqlitestore.Open(ctx, filepath.Join(dir, "c.db"))
		require.NoError(t, err)
		require.NoError(t, s.Append(ctx, consent.Grant("u", purpose.Payments, "bank", at)))
		require.NoError(t, s.Close())
		// The last connection's close removed the WAL; the file is whole.
		_, err = os.Stat(filepath.Join(dir, "c.db-wal"))
		require.True(t, os.IsNotExist(err), "WAL left behind: %v", err)
	}
	uid := os.Getuid()
	if uid == 0 {
		uid = nobody
	}
	// ro-file: the directory is the user's, the file is read-only.
	// ro-dir: the file is the user's, the directory is not writable, so
	// no WAL can be created beside it.
	chown := func(p string) { require.NoError(t, os.Chown(p, uid, -1)) }
	chown(filepath.Join(base, "ro-file"))
	chown(filepath.Join(base, "ro-file", "c.db"))
	require.NoError(t, os.Chmod(filepath.Join(base, "ro-file", "c.db"), 0o444))
	chown(filepath.Join(base, "ro-dir", "c.db"))
	require.NoError(t, os.Chmod(filepath.Join(base, "ro-dir"), 0o555))
	t.Cleanup(func() { os.Chmod(filepath.Join(base, "ro-dir"), 0o755) })

	var out string
	if os.Getuid() == 0 {
		out = runAs(t, uid, base)
	} else {
		out = runHelper(t, exec.Command(os.Args[0], "-test.run=^TestReadOnlyHelper$", "-test.count=1"), base)
	}
	t.Logf("child says:\n%s", out)
	for _, name := range []string{"ro-file", "ro-dir"} {
		t.Run(name, func(t *testing.T) {
			var line string
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "case "+name+" ") {
					line = l
				}
			}
			require.NotEmpty(t, line, "the child did not report %s", name)
			assert.Contains(t, line, " err read-only=true unavailable=true ", "Open must fail with ErrReadOnly")
			assert.Contains(t, line, "not writable")
		})
	}
}

// runAs runs the helper as uid, from a copy of the test binary the user
// can execute (the go build cache is root's).
func runAs(t *testing.T, uid int, dir string) string {
	t.Helper()
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o005 != 0o005 {
			require.NoError(t, os.Chmod(d, fi.Mode().Perm()|0o005))
		}
	}
	bin := filepath.Join(dir, "helper.test")
	src, err := os.Open(os.Args[0])
	require.NoError(t, err)
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, dst.Close())
	cmd := exec.Command(bin, "-test.run=^TestReadOnlyHelper$", "-test.count=1")
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	return runHelper(t, cmd, dir)
}

func runHelper(t *testing.T, cmd *exec.Cmd, dir string) string {
	t.Helper()
	cmd.Env = append(os.Environ(), readOnlyEnv+"="+dir, "HOME=/", "GOCOVERDIR=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "helper: %s", out)
	return string(out)
}

// TestCorruptionWhileOpen overwrites the file's header while a store has
// it open, with a warm cache that would allow, and shows the store fails
// closed: every call errs with ErrCorrupt and ErrUnavailable, the cache
// notwithstanding, and the file does not reopen.
func TestCorruptionWhileOpen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []sqlitestore.Option
	}{
		{"default", nil},
		{"sole writer", []sqlitestore.Option{sqlitestore.WithSoleWriter()}},
		{"no cache", []sqlitestore.Option{sqlitestore.WithCacheSize(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.db")
			s := open(t, path, tc.opts...)
			ctx := t.Context()
			at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
			require.NoError(t, s.Append(ctx, consent.Grant("u", purpose.Payments, "bank", at)))
			st, err := s.State(ctx, "u")
			require.NoError(t, err)
			require.True(t, st.Granted(purpose.Payments, "bank", at))

			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteAt([]byte(strings.Repeat("\xff", 100)), 0)
			require.NoError(t, err)
			require.NoError(t, f.Close())

			_, err = s.State(ctx, "u")
			require.ErrorIs(t, err, sqlitestore.ErrCorrupt)
			require.ErrorIs(t, err, consent.ErrUnavailable)
			_, err = s.History(ctx, "u")
			require.ErrorIs(t, err, sqlitestore.ErrCorrupt)
			err = s.Append(ctx, consent.Withdraw("u", purpose.Payments, "bank", at.Add(time.Minute)))
			require.ErrorIs(t, err, sqlitestore.ErrCorrupt)
			require.NoError(t, s.Close())
			_, err = sqlitestore.Open(ctx, path)
			require.ErrorIs(t, err, consent.ErrUnavailable, "a damaged file must not reopen")
		})
	}
}

// TestOpenRunsQuickCheck damages a page in the middle of a closed file and
// shows Open refuses it.
func TestOpenRunsQuickCheck(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.db")
	s := open(t, path)
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	for i := range 50 {
		var batch []consent.Event
		for j := range 20 {
			batch = append(batch, consent.Grant(fmt.Sprintf("user-%d-%d", i, j), purpose.Payments, "bank", at,
				consent.WithEvidence(strings.Repeat("e", 300))))
		}
		require.NoError(t, s.Append(t.Context(), batch...))
	}
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	var pageSize, pages int
	require.NoError(t, db.QueryRow("PRAGMA page_size").Scan(&pageSize))
	require.NoError(t, db.QueryRow("PRAGMA page_count").Scan(&pages))
	require.NoError(t, db.Close())
	require.Greater(t, pages, 10)

	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	// Every page but the first (the header) and the schema's.
	for p := 3; p < pages; p += 2 {
		_, err = f.WriteAt([]byte(strings.Repeat("\x5a", 64)), int64(p*pageSize+8))
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())
	_, err = sqlitestore.Open(t.Context(), path)
	require.ErrorIs(t, err, consent.ErrUnavailable)
	require.ErrorIs(t, err, sqlitestore.ErrCorrupt)
}

const twoProcEnv = "SQLITESTORE_TWOPROC_HELPER_DB"

// TestTwoProcHelper is not a test: TestOtherProcessWithdrawalSeenAtOnce
// runs it as a second process that appends one event per line it reads
// ("grant N" or "withdraw N") and answers "ack" once the Append returned.
func TestTwoProcHelper(t *testing.T) {
	path := os.Getenv(twoProcEnv)
	if path == "" {
		t.Skip("helper process for TestOtherProcessWithdrawalSeenAtOnce")
	}
	s, err := sqlitestore.Open(context.Background(), path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	defer s.Close()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var op string
		var n int
		if _, err := fmt.Sscanf(sc.Text(), "%s %d", &op, &n); err != nil {
			continue
		}
		e := consent.Grant("u", purpose.Payments, "bank", at.Add(time.Duration(n)*time.Second))
		if op == "withdraw" {
			e = consent.Withdraw("u", purpose.Payments, "bank", at.Add(time.Duration(n)*time.Second))
		}
		if err := s.Append(context.Background(), e); err != nil {
			fmt.Println("error", err)
			os.Exit(3)
		}
		fmt.Println("ack")
	}
}

// TestOtherProcessWithdrawalSeenAtOnce: another process withdraws (or
// grants again) while this one has the user's state cached; the very next
// State here reflects it, every round.
func TestOtherProcessWithdrawalSeenAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process; skipped with -short")
	}
	path := filepath.Join(t.TempDir(), "c.db")
	s := open(t, path)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	cmd := exec.Command(os.Args[0], "-test.run=^TestTwoProcHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), twoProcEnv+"="+path)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	outR, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { in.Close(); cmd.Wait() })
	out := bufio.NewScanner(outR)
	ask := func(line string) {
		t.Helper()
		_, err := fmt.Fprintln(in, line)
		require.NoError(t, err)
		for out.Scan() {
			if out.Text() == "ack" {
				return
			}
			require.False(t, strings.HasPrefix(out.Text(), "error"), out.Text())
		}
		t.Fatalf("child ended: %v", out.Err())
	}
	for round := 1; round <= 40; round++ {
		op, want := "grant", true
		if round%2 == 0 {
			op, want = "withdraw", false
		}
		// Warm the cache twice (the second State is the cheap path).
		for range 2 {
			_, err := s.State(ctx, "u")
			require.NoError(t, err)
		}
		ask(fmt.Sprintf("%s %d", op, round))
		st, err := s.State(ctx, "u")
		require.NoError(t, err)
		require.Equal(t, want, st.Granted(purpose.Payments, "bank", at.Add(time.Hour)),
			"round %d: the other process's %s was not seen by the next State", round, op)
	}
}

// TestTruncatedWhileOpen: the file cut to nothing under an open store (its
// mapped header now past the end) fails the store closed, without a crash.
func TestTruncatedWhileOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.db")
	s := open(t, path)
	ctx := t.Context()
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, s.Append(ctx, consent.Grant("u", purpose.Payments, "bank", at)))
	_, err := s.State(ctx, "u")
	require.NoError(t, err)
	require.NoError(t, os.Truncate(path, 0))
	_, err = s.State(ctx, "u")
	require.ErrorIs(t, err, sqlitestore.ErrCorrupt)
	require.ErrorIs(t, err, consent.ErrUnavailable)
}
