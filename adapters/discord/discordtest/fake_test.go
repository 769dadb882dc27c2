package discordtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func (f *Fake) do(t *testing.T, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, f.URL()+"/api/v9"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bot "+Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// Reading a channel's reaction lists is limited as Discord limits a route:
// the headers say how much is left, and past the limit a 429 says how long
// to wait, in its headers and its body.
func TestReactionReadsRateLimited(t *testing.T) {
	f := New(t)
	f.AddChannel("1", 0)
	resp := f.do(t, "POST", "/channels/1/messages", `{"content":"x"}`)
	var m struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || m.ID == "" {
		t.Fatalf("post: %v %+v", err, m)
	}
	path := "/channels/1/messages/" + m.ID + "/reactions/%E2%9C%85"
	for i := range ReactionReadsPerSecond {
		r := f.do(t, "GET", path, "")
		if r.StatusCode != 200 {
			t.Fatalf("read %d: HTTP %d", i, r.StatusCode)
		}
		for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Reset-After", "X-RateLimit-Bucket"} {
			if r.Header.Get(h) == "" {
				t.Errorf("read %d lacks %s", i, h)
			}
		}
	}
	r := f.do(t, "GET", path, "")
	var body struct {
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" || r.Header.Get("X-RateLimit-Remaining") != "0" || body.RetryAfter <= 0 || body.Global {
		t.Errorf("past the limit: HTTP %d, headers %v, body %+v", r.StatusCode, r.Header, body)
	}
	// Another channel has its own bucket; other routes are not limited.
	if r := f.do(t, "GET", "/channels/1/messages/"+m.ID, ""); r.StatusCode != 200 {
		t.Errorf("reading the message: HTTP %d", r.StatusCode)
	}
}
