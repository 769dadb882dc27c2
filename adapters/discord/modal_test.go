package discord

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// requestData is /helpdesk request with a type, as Discord sends it.
func requestData(typ string) map[string]any {
	return map[string]any{"id": "1", "name": "helpdesk", "type": 1, "options": []any{map[string]any{
		"name": "request", "type": 1, "options": []any{map[string]any{"name": "type", "type": 3, "value": typ}}}}}
}

// /helpdesk request must be answered with its modal, first and within
// Discord's 3 seconds (a modal cannot follow a deferral), so nothing
// durable may come first: with the database's write lock held by someone
// else, the modal still comes, in the person's language; what the
// interaction told of them (their locale) is recorded once the lock is
// free.
func TestRequestModalBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	h.eventually("the start-up done", func() bool {
		return len(f.Calls("PUT", "/commands")) == 1 && h.reconciled() == 1
	})
	ctx := context.Background()
	db, err := sql.Open("sqlite", h.db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	locked := true
	unlock := func() {
		if locked {
			locked = false
			if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Error(err)
			}
		}
	}
	defer unlock()
	// rita is known from the roster, without a locale: her first command
	// tells it.
	id, _ := f.Interact(rita, lobbyCh, "sv-SE", 2, requestData("guidance"))
	r := h.response(id)
	if r["type"].(float64) != 9 {
		t.Fatalf("answered %v while the database was locked, want the modal", r)
	}
	b, _ := json.Marshal(r["data"])
	want := h.cat.Text("sv", bot.T("form.field.title"), h.a.style(nil))
	if !strings.Contains(string(b), want) {
		t.Errorf("the modal is not in Swedish (%q): %s", want, b)
	}
	unlock()
	h.eventually("rita's locale recorded", func() bool { return h.svc.LangOf(ctx, userID(rita), "") == "sv" })
}

// BenchmarkRequestModalUnderVoteStorm measures the time from the gateway
// dispatching /helpdesk request (from people the helpdesk has not seen, so
// there is something to record of them) to Discord receiving the modal,
// while votes are written to the database as fast as four writers can,
// beside the fake's bare round trip and the same command without the
// storm, measured in the same run.
func BenchmarkRequestModalUnderVoteStorm(b *testing.B) {
	f := newFakeGuild(b)
	h := newHarness(b, f)
	card := h.request(rita, "Storm")
	ctx := context.Background()

	var base []time.Duration
	for range 200 {
		start := time.Now()
		resp, err := http.Get(f.URL() + "/api/v9/gateway")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		base = append(base, time.Since(start))
	}
	n := 0
	ack := func() time.Duration {
		n++
		id, _ := f.Interact(fmt.Sprint(9000+n), lobbyCh, "en-US", 2, requestData("guidance"))
		var d time.Duration
		h.eventually("the modal "+id, func() bool {
			var ok bool
			d, ok = f.AckLatency(id)
			return ok
		})
		return d
	}
	var quiet []time.Duration
	for range 30 {
		quiet = append(quiet, ack())
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var votes sync.Map
	for w, u := range []string{ana, bo, chen, dina} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := bot.Reaction{Post: ref(committeeCh, card), User: userID(u), Name: "voter", Emoji: "❓"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				if i%2 == 0 {
					err = h.svc.ReactionAdded(ctx, r)
				} else {
					err = h.svc.ReactionRemoved(ctx, r)
				}
				if err != nil {
					b.Error(err)
					return
				}
				v, _ := votes.LoadOrStore(w, new(int))
				*(v.(*int))++
			}
		}()
	}
	time.Sleep(200 * time.Millisecond) // the storm under way
	var storm []time.Duration
	b.ResetTimer()
	for range b.N {
		storm = append(storm, ack())
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	for _, d := range [][]time.Duration{base, quiet, storm} {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	}
	p50, p99, q50, b50 := percentile(storm, 50), percentile(storm, 99), percentile(quiet, 50), percentile(base, 50)
	b.ReportMetric(p50, "p50_ms")
	b.ReportMetric(p99, "p99_ms")
	b.ReportMetric(q50, "quiet_p50_ms")
	b.ReportMetric(b50, "baseline_p50_ms")
	b.ReportMetric(p50/b50, "p50/baseline")
	b.ReportMetric(p50/q50, "p50/quiet")
	b.ReportMetric(0, "ns/op")
}
