package mail_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/wmse/helpdesk/adapters/mail"
)

// lmtpServer serves an LMTP listener with handler h on loopback.
func lmtpServer(t *testing.T, h mail.Handler, maxSize int64) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := mail.NewLMTP(mail.LMTPConfig{Recipients: []string{"helpdesk@example.org", "hjalp@example.org"}, MaxSize: maxSize}, h, nil)
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return ln.Addr().String()
}

// deliver hands a mail over by LMTP, as Postfix does, and returns each
// recipient's answer (nil for 250).
func deliver(t *testing.T, addr string, to []string, body string) (map[string]error, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("postfix.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("lena@museum.se", nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return nil, err
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return nil, err
	}
	resp, err := w.CloseWithLMTPResponse()
	out := map[string]error{}
	for r := range resp {
		out[r] = nil
	}
	var lerr smtp.LMTPDataError
	if errors.As(err, &lerr) {
		for r, e := range lerr {
			out[r] = e
		}
		err = nil
	}
	return out, err
}

// A mail handed over by LMTP is answered 250 for each recipient once it is
// taken, 451 when it cannot be now (the mail server keeps it and tries
// again), 554 when it never can; one to two of the helpdesk's addresses is
// taken once; an unknown recipient and a mail too large are refused.
func TestLMTPAnswersAfterTaking(t *testing.T) {
	var mu sync.Mutex
	var taken []string
	fail := errors.New("database busy")
	var next error
	addr := lmtpServer(t, func(_ context.Context, raw []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if next != nil {
			err := next
			next = nil
			return err
		}
		taken = append(taken, string(raw))
		return nil
	}, 1<<16)
	mailText := "From: lena@museum.se\r\nSubject: Plates\r\nMessage-ID: <p1@museum.se>\r\n\r\nHello.\r\n"

	res, err := deliver(t, addr, []string{"helpdesk@example.org", "hjalp@example.org"}, mailText)
	if err != nil || len(res) != 2 || res["helpdesk@example.org"] != nil || res["hjalp@example.org"] != nil {
		t.Fatalf("delivery: %v %v", res, err)
	}
	if len(taken) != 1 || !strings.Contains(taken[0], "Message-ID: <p1@museum.se>") {
		t.Fatalf("taken %q", taken)
	}

	mu.Lock()
	next = fail
	mu.Unlock()
	res, _ = deliver(t, addr, []string{"helpdesk@example.org"}, mailText)
	var se *smtp.SMTPError
	if !errors.As(res["helpdesk@example.org"], &se) || se.Code != 451 {
		t.Fatalf("a failure to take: %v, want 451", res)
	}
	mu.Lock()
	next = mail.Permanent(errors.New("unreadable"))
	mu.Unlock()
	res, _ = deliver(t, addr, []string{"helpdesk@example.org"}, mailText)
	if !errors.As(res["helpdesk@example.org"], &se) || se.Code != 554 {
		t.Fatalf("a mail that can never be taken: %v, want 554", res)
	}

	if _, err := deliver(t, addr, []string{"someone@example.org"}, mailText); !errors.As(err, &se) || se.Code != 550 {
		t.Fatalf("an unknown recipient: %v, want 550", err)
	}
	big := mailText + strings.Repeat(strings.Repeat("x", 76)+"\r\n", (1<<17)/78)
	res, err = deliver(t, addr, []string{"helpdesk@example.org"}, big)
	if err == nil && (res["helpdesk@example.org"] == nil || !errors.As(res["helpdesk@example.org"], &se) || se.Code != 552) {
		t.Fatalf("a mail too large: %v %v, want 552", res, err)
	}
	if len(taken) != 1 {
		t.Fatalf("taken %d mails, want 1", len(taken))
	}
}
