package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/mail/mailtest"
)

// Mail survives the bot's death: the program takes mail by LMTP from the
// real Postfix, is killed with SIGKILL while mail comes in, and started
// again on the same database; every mail Postfix accepted is a case
// exactly once (a mail whose answer the dead bot never gave is kept by
// Postfix and handed over again; one it took before dying is recognised).
func TestMailSurvivesKill9(t *testing.T) { mailKillStorm(t, 20, 1) }

// BenchmarkMailBurst is the burst: 1,000 mails by LMTP with five
// SIGKILLs of the program while they come in; every mail is a case
// exactly once. Reported: the mails per second over the whole burst,
// restarts included.
func BenchmarkMailBurst(b *testing.B) {
	for range b.N {
		start := time.Now()
		mailKillStorm(b, 1000, 5)
		b.ReportMetric(1000/time.Since(start).Seconds(), "mails/s")
	}
	b.ReportMetric(0, "ns/op")
}

// mailKillStorm sends n mails, one per sender, to the program by LMTP
// and kills it kills times while they come in, then checks that each is
// a case exactly once.
func mailKillStorm(t testing.TB, n, kills int) {
	people := map[string]string{}
	for i := range n {
		people[fmt.Sprintf("p%d@museum.test", i)] = "pw"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lmtpAddr := ln.Addr().String()
	ln.Close() // the bot binds it; between its runs nothing does
	s := mailtest.Start(t, mailtest.Options{Domains: []string{"museum.test"}, Mailboxes: people, LMTPDomain: "desk.test", LMTPAddr: lmtpAddr})
	dir := t.TempDir()
	db, cfg := filepath.Join(dir, "helpdesk.db"), filepath.Join(dir, "helpdesk.toml")
	conf := fmt.Sprintf("[dashboard]\nlisten = \"off\"\n[mail]\naddress = \"helpdesk@desk.test\"\n[mail.lmtp]\nlisten = %q\n[mail.smtp]\naddr = %q\ntls = \"none\"\n", lmtpAddr, s.SMTPAddr())
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	up := func() {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if c, err := net.Dial("tcp", lmtpAddr); err == nil {
				c.Close()
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the bot's LMTP listener did not come up")
			}
		}
	}
	submit := func(i int) {
		t.Helper()
		from := fmt.Sprintf("p%d@museum.test", i)
		msg := fmt.Sprintf("From: %s\r\nTo: helpdesk@desk.test\r\nSubject: Request %d\r\nMessage-ID: <r%d@museum.test>\r\n\r\nPlease help with %d glass plates.\r\n", from, i, i, i)
		if err := s.Submit(from, []string{"helpdesk@desk.test"}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	run := func() *shellProgram {
		p := startShell(t, cfg, db)
		go func() { // its transcript is not read here: drained
			for range p.lines {
			}
		}()
		up()
		return p
	}
	bot := run()
	sent := 0
	for k := range kills {
		// Mail comes in; the program dies in the middle of it.
		for ; sent < (k+1)*n/(kills+1); sent++ {
			submit(sent)
		}
		time.Sleep(100 * time.Millisecond)
		if err := bot.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		bot.cmd.Wait()
		bot = run()
	}
	for ; sent < n; sent++ {
		submit(sent)
	}
	again := bot
	// Every requester gets the letter that opens their case.
	for who, pw := range people {
		s.WaitMessages(who, pw, 1, 120*time.Second)
	}
	again.stop()
	r := MustRunBinary(t, "", "", "export", "-db", db)
	var cases []struct {
		Requester string `json:"requester"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &cases); err != nil {
		t.Fatalf("export: %v\n%s", err, r.stderr)
	}
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.Requester]++
	}
	if len(cases) != n || len(seen) != n {
		t.Fatalf("%d cases from %d requesters, want %d each once: %v", len(cases), len(seen), n, seen)
	}
}
