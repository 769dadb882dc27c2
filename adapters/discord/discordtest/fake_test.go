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

// Delete Own Reaction takes the bot's reaction off (204 also when it held
// none), refuses an emoji that is not encoded as Discord wants (10014),
// and answers 404 Unknown Message (10008) for a deleted message.
func TestDeleteOwnReaction(t *testing.T) {
	f := New(t)
	f.AddChannel("1", 0)
	resp := f.do(t, "POST", "/channels/1/messages", `{"content":"x"}`)
	var m struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || m.ID == "" {
		t.Fatalf("post: %v %+v", err, m)
	}
	path := "/channels/1/messages/" + m.ID + "/reactions/%E2%9C%85/@me"
	if r := f.do(t, "PUT", path, ""); r.StatusCode != 204 {
		t.Fatalf("react: HTTP %d", r.StatusCode)
	}
	for i := range 2 {
		if r := f.do(t, "DELETE", path, ""); r.StatusCode != 204 {
			t.Fatalf("unreact %d: HTTP %d", i, r.StatusCode)
		}
	}
	if rs := f.Message(m.ID).Reactions; len(rs) != 0 {
		t.Errorf("reactions left: %v", rs)
	}
	if r := f.do(t, "DELETE", "/channels/1/messages/"+m.ID+"/reactions/white_check_mark/@me", ""); r.StatusCode != 400 {
		t.Errorf("an emoji by name: HTTP %d, want 400 Unknown Emoji", r.StatusCode)
	}
	f.DeleteMessage("1", m.ID)
	r := f.do(t, "DELETE", path, "")
	var body struct{ Code int }
	_ = json.NewDecoder(r.Body).Decode(&body)
	if r.StatusCode != 404 || body.Code != 10008 {
		t.Errorf("unreact on a deleted message: HTTP %d code %d", r.StatusCode, body.Code)
	}
}
