package mattermost_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// concurrent is how many slash commands arrive at once.
const concurrent = 50

// BenchmarkSlashCommandLatency sends 50 slash commands at once through
// the fake (form POST with the token, the core's answer, the ephemeral
// response) and reports p50 and p99, next to a bare round trip to the
// same listener (a callback refused for its token: HTTP and nothing else)
// measured the same way, in batches of 50 too, in the same run.
func BenchmarkSlashCommandLatency(b *testing.B) {
	h := MustStart(b)
	cmdURL := h.fake.Command("helpdesk").URL
	users := h.ids("ana", "rita", "sofia", "bea", "carl", "dan", "gus", "sam")
	client := &http.Client{}
	var cmd, bare []time.Duration
	var mu sync.Mutex
	b.ResetTimer()
	for range b.N {
		// The baseline first, then the commands: each batch alone.
		var wg sync.WaitGroup
		for range concurrent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				resp, err := client.PostForm(cmdURL, url.Values{"token": {"wrong"}, "text": {"status"}})
				d := time.Since(start)
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				bare = append(bare, d)
				mu.Unlock()
			}()
		}
		wg.Wait()
		for i := range concurrent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				res, err := h.fake.RunCommand(users[i%len(users)], h.town, "status", "")
				d := time.Since(start)
				if err != nil || res.Status != 200 || res.Response.Text == "" {
					b.Errorf("command: %v %d", err, res.Status)
				}
				mu.Lock()
				cmd = append(cmd, d)
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	p := func(ds []time.Duration, q float64) float64 {
		slices.Sort(ds)
		return float64(ds[int(q*float64(len(ds)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(p(cmd, 0.50), "p50-ms")
	b.ReportMetric(p(cmd, 0.99), "p99-ms")
	b.ReportMetric(p(bare, 0.50), "bare-p50-ms")
	b.ReportMetric(p(bare, 0.99), "bare-p99-ms")
	b.ReportMetric(p(cmd, 0.50)/p(bare, 0.50), "p50/bare")
}

// BenchmarkAPICallsPerVote plays bursts of 100 vote changes by one
// committee member on a card (no decision is reached) and reports the
// Mattermost REST calls the adapter made per vote, until the last state
// is on the card.
func BenchmarkAPICallsPerVote(b *testing.B) {
	h := MustStart(b)
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	time.Sleep(1200 * time.Millisecond)
	emoji := []string{"white_check_mark", "x", "question"}
	tally := map[string]string{
		"white_check_mark": "✅ 1 · ❌ 0 · ❓ 0",
		"x":                "✅ 0 · ❌ 1 · ❓ 0",
		"question":         "✅ 0 · ❌ 0 · ❓ 1",
	}
	held := ""
	const burst = 100
	var calls, patches int64
	b.ResetTimer()
	for range b.N {
		before, beforePatch := h.ad.APICalls(), h.fake.Count("PUT /api/v4/posts/{id}/patch")
		for i := range burst {
			e := emoji[i%len(emoji)]
			if held == e {
				e = emoji[(i+1)%len(emoji)]
			}
			h.react("carl", card.Id, e) // the newest reaction is carl's vote
			if held != "" {
				h.fake.Unreact(h.users["carl"], card.Id, held)
			}
			held = e
		}
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(h.fake.Post(card.Id).Message, tally[held]+": 1 of 3") {
			if time.Now().After(deadline) {
				b.Fatalf("the last vote never landed: %q", h.fake.Post(card.Id).Message)
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(1100 * time.Millisecond) // a paced edit still due is counted too
		calls += h.ad.APICalls() - before
		patches += int64(h.fake.Count("PUT /api/v4/posts/{id}/patch") - beforePatch)
	}
	b.StopTimer()
	b.ReportMetric(float64(calls)/float64(burst*b.N), "api-calls/vote")
	b.ReportMetric(float64(patches)/float64(b.N), "edits/burst")
}
