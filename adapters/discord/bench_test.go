package discord

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
)

// percentile returns the p-th percentile of sorted durations, in ms.
func percentile(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(d)-1))
	return float64(d[i]) / float64(time.Millisecond)
}

// BenchmarkInteractionAck measures the time from the gateway dispatching
// an interaction to Discord receiving its acknowledgement, with 50
// interactions in flight at once, beside the fake's own round trip for a
// bare REST call measured in the same run.
func BenchmarkInteractionAck(b *testing.B) {
	f := newFakeGuild(b)
	h := newHarness(b, f)
	const concurrent = 50
	users := []string{ana, bo, chen, dina, eli, ivan, sam, rita}

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
	sort.Slice(base, func(i, j int) bool { return base[i] < base[j] })

	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		ids := make([]string, concurrent)
		var wg sync.WaitGroup
		for i := range concurrent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids[i], _ = f.Command(users[i%len(users)], lobbyCh, "status", "case", 1)
			}()
		}
		wg.Wait()
		for _, id := range ids {
			var d time.Duration
			h.eventually("ack of "+id, func() bool {
				var ok bool
				d, ok = f.AckLatency(id)
				return ok
			})
			lat = append(lat, d)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99, b50 := percentile(lat, 50), percentile(lat, 99), percentile(base, 50)
	b.ReportMetric(p50, "p50_ms")
	b.ReportMetric(p99, "p99_ms")
	b.ReportMetric(b50, "baseline_p50_ms")
	b.ReportMetric(p50/b50, "p50/baseline")
	b.ReportMetric(0, "ns/op")
	if p99 > 3000 {
		b.Errorf("p99 %.0f ms misses Discord's 3-second deadline", p99)
	}
}

// BenchmarkVoteBurst counts the Discord API calls the adapter makes for a
// burst of 100 votes on one card: the card is edited at most once a second
// whatever the rate of votes, and the last tally lands.
func BenchmarkVoteBurst(b *testing.B) {
	f := newFakeGuild(b)
	const voters = 100
	for i := range 2 * voters { // a committee of 200: 100 votes decide nothing
		f.AddMember(fmt.Sprint(3000+i), fmt.Sprintf("m%d", i), roleCommittee)
	}
	h := newHarness(b, f)
	var calls, votes int64
	var took time.Duration
	b.ResetTimer()
	for n := range b.N {
		b.StopTimer()
		requester := fmt.Sprint(8000 + n)
		f.AddMember(requester, "r"+requester)
		card := h.request(requester, "Burst "+requester)
		time.Sleep(1200 * time.Millisecond) // the card's first edits are done
		before := h.a.Calls()
		b.StartTimer()
		start := time.Now()
		for i := range voters {
			f.React(fmt.Sprint(3000+i), card, "✅", false)
		}
		h.eventually("the tally of the burst", func() bool {
			return strings.Contains(h.cardText(card), h.tally(voters, 0, 0, voters, 2*voters+5))
		})
		took += time.Since(start)
		b.StopTimer()
		time.Sleep(1200 * time.Millisecond) // an edit still due would count
		calls += h.a.Calls() - before
		votes += voters
	}
	b.ReportMetric(float64(calls)/float64(votes), "calls/vote")
	b.ReportMetric(float64(votes)/took.Seconds(), "votes/s")
	b.ReportMetric(0, "ns/op")
	_ = discordtest.Guild
}
