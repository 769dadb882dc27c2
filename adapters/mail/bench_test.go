package mail_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/client"
)

// BenchmarkMailToCard measures, through the real Postfix and Dovecot, the
// time from a mail accepted by Postfix to the case's card posted in the
// committee channel, by IMAP IDLE and by LMTP, each next to its bare
// delivery in the same run: for IDLE, a client of its own in IDLE on
// another mailbox seeing the mail arrive; for LMTP, the mail reaching the
// helpdesk's listener. Reported: p50 and p99 of each, and the ratios.
// Each iteration is one mail (a new requester each time).
func BenchmarkMailToCard(b *testing.B) {
	b.Run("imap", func(b *testing.B) { benchMail(b, false) })
	b.Run("lmtp", func(b *testing.B) { benchMail(b, true) })
}

func benchMail(b *testing.B, lmtp bool) {
	d := newDesk(b, lmtp)
	to := deskAddr
	if lmtp {
		to = "hjalp@lmtp.helpdesk.test"
	}
	// The bare IDLE: a client in IDLE on the watcher's mailbox.
	var idle *client.Client
	updates := make(chan client.Update, 100)
	if !lmtp {
		var err error
		if idle, err = d.srv.Login("amal@archive.test", people["amal@archive.test"]); err != nil {
			b.Fatal(err)
		}
		idle.Updates = updates
		if _, err := idle.Select("INBOX", true); err != nil {
			b.Fatal(err)
		}
		stop := make(chan struct{})
		go idle.Idle(stop, nil)
		defer close(stop)
	}
	var full, bare, answered []time.Duration
	b.ResetTimer()
	for i := range b.N {
		from := fmt.Sprintf("bench%d@museum.test", i)
		start := time.Now()
		d.send(from, to, fmt.Sprintf("Request %d", i), "Please help with our glass plates, 300 of them.")
		select {
		case <-d.chat.cards:
			full = append(full, time.Since(start))
		case <-time.After(30 * time.Second):
			b.Fatal("no card")
		}
		entered, taken := <-d.entered, <-d.taken
		if lmtp {
			bare = append(bare, entered.Sub(start))
			answered = append(answered, taken.Sub(start))
			continue
		}
		// Anything the watcher heard before is not this mail's.
		for len(updates) > 0 {
			<-updates
		}
		// The bare IDLE on the other mailbox, submitted alone.
		start = time.Now()
		d.send(from, "amal@archive.test", "Watch", "x")
		for {
			u := <-updates
			if _, ok := u.(*client.MailboxUpdate); ok {
				break
			}
		}
		bare = append(bare, time.Since(start))
	}
	b.StopTimer()
	p := func(ds []time.Duration, q float64) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[min(len(s)-1, int(q*float64(len(s))))].Microseconds()) / 1000
	}
	b.ReportMetric(p(full, 0.5), "p50-ms")
	b.ReportMetric(p(full, 0.99), "p99-ms")
	b.ReportMetric(p(bare, 0.5), "bare-p50-ms")
	b.ReportMetric(p(bare, 0.99), "bare-p99-ms")
	b.ReportMetric(p(full, 0.5)/p(bare, 0.5), "p50/bare")
	b.ReportMetric(p(full, 0.99)/p(bare, 0.99), "p99/bare")
	if lmtp {
		// The moment LMTP answers 250: the mail recorded.
		b.ReportMetric(p(answered, 0.5)/p(bare, 0.5), "answered-p50/bare")
		b.ReportMetric(p(answered, 0.99)/p(bare, 0.99), "answered-p99/bare")
	}
	b.ReportMetric(0, "ns/op")
}
