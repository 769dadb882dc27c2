package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// benchClock is the wall clock: held-back card edits fall due and are
// delivered while the votes come in, as in the running bot.
type benchClock struct{}

func (benchClock) Now() time.Time { return time.Now() }

// nullChat records nothing: the benchmark measures the store, not a
// platform. Like the Discord and Mattermost adapters, it edits a post at
// most once a second.
type nullChat struct{ n atomic.Int64 }

func (c *nullChat) EditInterval() time.Duration { return time.Second }

func (c *nullChat) Post(context.Context, bot.Place, bot.Message) (string, error) {
	return fmt.Sprintf("m%d", c.n.Add(1)), nil
}
func (c *nullChat) StartThread(_ context.Context, ref string, _ bot.Message) (string, error) {
	return "t" + ref, nil
}
func (c *nullChat) Edit(context.Context, string, bot.Message) error  { return nil }
func (c *nullChat) React(context.Context, string, string) error      { return nil }
func (c *nullChat) Invite(context.Context, string, bot.UserID) error { return nil }

// BenchmarkVotes measures committee votes recorded per second by 8 voters
// at once on a file database, each vote the whole transaction the core
// makes of a reaction (reaction, tally, event, card edit in the outbox),
// next to the rate of a bare one-row insert transaction on a database
// opened with the same settings, measured in the same run. Both rates and
// their ratio are reported. The outbox worker delivers card refreshes
// during the votes, as it does in the running bot.
func BenchmarkVotes(b *testing.B) {
	const voters = 8
	ctx := context.Background()
	dir := b.TempDir()

	// Baseline: one-row insert transactions, 8 writers, same pragmas as the store.
	raw, err := sql.Open("sqlite", filepath.Join(dir, "raw.db")+
		"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	if _, err := raw.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}

	store, err := sqlite.Open(ctx, filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	chat := &nullChat{}
	svc := bot.New(store, benchClock{}, nil, bot.Config{})
	svc.Attach("bench", chat)
	// Sixteen members: eight voting never make a majority, so every vote
	// stays a vote and no case moves on.
	for i := range 16 {
		m := bot.Member{ID: bot.UserID(fmt.Sprintf("bench:m%d", i)), Name: fmt.Sprint("m", i), Roles: bot.Roles{Committee: true}}
		if err := svc.MemberSeen(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	const cases = 20
	refs := make([]string, 0, cases)
	for i := range cases {
		inv := bot.Invocation{User: bot.UserID(fmt.Sprintf("bench:r%d", i)), Name: "requester"}
		r := svc.Submit(ctx, inv, bot.Submission{Kind: bot.RequestForm, Type: bot.Guidance, Values: map[string]string{"title": "Case", "description": "A case to vote on."}})
		if r.Reply == nil || r.Reply.Lines[0].ID != "reply.opened" {
			b.Fatalf("case %d not opened: %+v", i, r.Reply)
		}
	}
	if _, err := svc.Deliver(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	for i := range cases {
		ref, err := svc.ReactionTarget(ctx, int64(i+1), "bench:m0", "✅")
		if err != nil {
			b.Fatal(err)
		}
		refs = append(refs, ref)
	}

	run := func(per int, op func(voter, i int) error) time.Duration {
		var wg sync.WaitGroup
		errs := make(chan error, voters)
		start := time.Now()
		for v := range voters {
			wg.Go(func() {
				for i := range per {
					if err := op(v, i); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}

	// The outbox worker runs meanwhile, as in the bot: card refreshes are
	// delivered (to a platform that answers at once) while votes come in.
	wctx, stop := context.WithCancel(ctx)
	worker := make(chan error, 1)
	go func() { worker <- svc.Run(wctx, 250*time.Millisecond, time.Hour) }() // the binary polls every 250 ms
	defer func() {
		stop()
		if err := <-worker; err != nil {
			b.Error(err)
		}
	}()

	per := max(b.N/voters, 1)
	b.ResetTimer()
	rawTime := run(per, func(v, i int) error {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO t (v) VALUES (?)`, fmt.Sprint(v, "/", i)); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	})
	voteTime := run(per, func(v, i int) error {
		// Each voter alternates adding and removing ✅ on the cases in turn:
		// every call is a vote cast or withdrawn.
		r := bot.Reaction{Post: refs[(i/2)%cases], User: bot.UserID(fmt.Sprintf("bench:m%d", v)), Emoji: "✅"}
		if i%2 == 0 {
			return svc.ReactionAdded(ctx, r)
		}
		return svc.ReactionRemoved(ctx, r)
	})
	b.StopTimer()
	n := float64(per * voters)
	rawRate, voteRate := n/rawTime.Seconds(), n/voteTime.Seconds()
	b.ReportMetric(rawRate, "inserts/s")
	b.ReportMetric(voteRate, "votes/s")
	b.ReportMetric(voteRate/rawRate, "votes/insert")
	b.ReportMetric(0, "ns/op")
}
