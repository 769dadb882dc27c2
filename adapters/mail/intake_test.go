package mail_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/adapters/mail/mailtest"
)

const (
	helpdeskBox = "helpdesk@helpdesk.test"
	secret      = "s3cret pass"
)

// servers starts Postfix and Dovecot with the helpdesk's mailbox.
func servers(t *testing.T) *mailtest.Servers {
	t.Helper()
	return mailtest.Start(t, mailtest.Options{
		Domains:   []string{"helpdesk.test", "museum.test"},
		Mailboxes: map[string]string{helpdeskBox: secret, "lena@museum.test": "lena"},
	})
}

func submit(t *testing.T, s *mailtest.Servers, subject string) {
	t.Helper()
	msg := fmt.Sprintf("From: Lena <lena@museum.test>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@museum.test>\r\nDate: %s\r\n\r\nHello.\r\n",
		helpdeskBox, subject, subject, time.Now().Format(time.RFC1123Z))
	if err := s.Submit("lena@museum.test", []string{helpdeskBox}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// taker records what a handler was given.
type taker struct {
	mu    sync.Mutex
	seen  map[string]int
	fail  map[string]int // fail this many times first
	perm  map[string]bool
	taken chan string
}

func newTaker() *taker {
	return &taker{seen: map[string]int{}, fail: map[string]int{}, perm: map[string]bool{}, taken: make(chan string, 100)}
}

var subjectRE = regexp.MustCompile(`(?m)^Subject: ([^\r\n]*)`)

func (tk *taker) handle(_ context.Context, raw []byte) error {
	subject := "?"
	if m := subjectRE.FindSubmatch(raw); m != nil {
		subject = string(m[1])
	}
	tk.mu.Lock()
	defer tk.mu.Unlock()
	tk.seen[subject]++
	if tk.perm[subject] {
		return mail.Permanent(errors.New("unreadable"))
	}
	if tk.fail[subject] > 0 {
		tk.fail[subject]--
		return errors.New("database busy")
	}
	tk.taken <- subject
	return nil
}

func (tk *taker) wait(t *testing.T, want ...string) {
	t.Helper()
	got := map[string]bool{}
	for len(got) < len(want) {
		select {
		case s := <-tk.taken:
			if got[s] {
				t.Fatalf("%q taken twice", s)
			}
			got[s] = true
		case <-time.After(15 * time.Second):
			t.Fatalf("taken %v, want %v", got, want)
		}
	}
	for _, w := range want {
		if !got[w] {
			t.Fatalf("taken %v, want %v", got, want)
		}
	}
}

// markedDone counts the mails of the helpdesk's mailbox that carry the done
// keyword, read by a client of its own.
func markedDone(t *testing.T, s *mailtest.Servers) int {
	t.Helper()
	c, err := s.Login(helpdeskBox, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	if _, err := c.Select("INBOX", true); err != nil {
		t.Fatal(err)
	}
	crit := imap.NewSearchCriteria()
	crit.WithFlags = []string{mail.DefaultDoneKeyword}
	uids, err := c.UidSearch(crit)
	if err != nil {
		t.Fatal(err)
	}
	return len(uids)
}

// The mailbox's mail not yet taken is handed over once each, at start; a
// mail the handler could not take now is handed over again after the
// reconnect, one it can never take is marked done; a new mail comes by
// IDLE; a second run finds nothing it took before, and none is \Seen.
func TestIMAPHandsEachMailOverOnce(t *testing.T) {
	s := servers(t)
	for _, subject := range []string{"one", "two", "three"} {
		submit(t, s, subject)
	}
	s.WaitMessages(helpdeskBox, secret, 3, 15*time.Second)
	tk := newTaker()
	tk.fail["two"], tk.perm["three"] = 1, true
	// A catch-up far off: what arrives later comes by IDLE.
	cfg := mail.IMAPConfig{Addr: s.IMAPAddr(), TLS: "none", User: helpdeskBox, Password: secret, CatchUp: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mail.NewIMAP(cfg, tk.handle, nil).Run(ctx) }()
	tk.wait(t, "one", "two")
	for deadline := time.Now().Add(15 * time.Second); markedDone(t, s) < 3; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d mails marked done, want 3", markedDone(t, s))
		}
	}
	start := time.Now()
	submit(t, s, "four")
	tk.wait(t, "four")
	t.Logf("a new mail reached the handler by IDLE %v after it was submitted", time.Since(start))
	// Taken, then marked: a mail taken and not yet marked when the reader
	// stops is handed over again next time (and the core knows it).
	for deadline := time.Now().Add(15 * time.Second); markedDone(t, s) < 4; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d mails marked done, want 4", markedDone(t, s))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tk.mu.Lock()
	if tk.seen["one"] != 1 || tk.seen["two"] != 2 || tk.seen["three"] != 1 || tk.seen["four"] != 1 {
		t.Errorf("handed over %v: want two twice (it failed once), the others once", tk.seen)
	}
	tk.mu.Unlock()

	// A second run: nothing again; the mails are still unread for a
	// person who reads the mailbox.
	tk2 := newTaker()
	ctx, cancel = context.WithCancel(context.Background())
	go func() { done <- mail.NewIMAP(cfg, tk2.handle, nil).Run(ctx) }()
	submit(t, s, "five")
	tk2.wait(t, "five")
	for deadline := time.Now().Add(15 * time.Second); markedDone(t, s) < 5; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d mails marked done, want 5", markedDone(t, s))
		}
	}
	cancel()
	<-done
	if len(tk2.seen) != 1 {
		t.Errorf("the second run was handed %v", tk2.seen)
	}
	for _, m := range s.WaitMessages(helpdeskBox, secret, 5, 5*time.Second) {
		for _, f := range m.Flags {
			if f == imap.SeenFlag {
				t.Errorf("mail %d was marked \\Seen", m.UID)
			}
		}
	}
}

// A wrong password is said, without the password.
func TestIMAPLoginFailureKeepsTheSecret(t *testing.T) {
	s := servers(t)
	var logged []string
	var mu sync.Mutex
	log := sloggerFunc(func(msg string) { mu.Lock(); logged = append(logged, msg); mu.Unlock() })
	cfg := mail.IMAPConfig{Addr: s.IMAPAddr(), TLS: "none", User: helpdeskBox, Password: "wrong secret words"}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second) // Dovecot answers a failed login after 2 s
	defer cancel()
	if err := mail.NewIMAP(cfg, newTaker().handle, log).Run(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logged) == 0 {
		t.Fatal("the failure was not logged")
	}
	for _, l := range logged {
		if regexp.MustCompile(`wrong secret words`).MatchString(l) {
			t.Fatalf("the password is in the log: %s", l)
		}
	}
}
