package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/web"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return resp.StatusCode, body
}

// /readyz is 200 when every part is ready, and 503 naming the part that is
// not, and why; /healthz only says the process answers.
func TestReadiness(t *testing.T) {
	var mattermost error
	srv := httptest.NewServer(web.Handler([]web.Check{
		{Name: "store", Ready: func(context.Context) error { return nil }},
		{Name: "mattermost", Ready: func(context.Context) error { return mattermost }},
	}, nil))
	defer srv.Close()
	if code, body := get(t, srv, "/healthz"); code != 200 || body["status"] != "ok" {
		t.Fatalf("/healthz %d %v", code, body)
	}
	code, body := get(t, srv, "/readyz")
	if code != 200 || body["ready"] != true {
		t.Fatalf("/readyz %d %v", code, body)
	}
	mattermost = errors.New("the WebSocket is not connected")
	code, body = get(t, srv, "/readyz")
	checks, _ := body["checks"].(map[string]any)
	if code != http.StatusServiceUnavailable || body["ready"] != false || checks["mattermost"] != "the WebSocket is not connected" || checks["store"] != "ok" {
		t.Fatalf("/readyz with Mattermost down: %d %v", code, body)
	}
	if resp, err := http.Post(srv.URL+"/readyz", "text/plain", nil); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /readyz: %v %v", resp.StatusCode, err)
	}
}

// A part that does not answer in time is not ready.
func TestReadinessTimesOut(t *testing.T) {
	defer web.SetCheckTimeout(50 * time.Millisecond)()
	srv := httptest.NewServer(web.Handler([]web.Check{
		{Name: "store", Ready: func(ctx context.Context) error { <-ctx.Done(); return nil }},
	}, nil))
	defer srv.Close()
	code, body := get(t, srv, "/readyz")
	if checks, _ := body["checks"].(map[string]any); code != http.StatusServiceUnavailable || checks["store"] != "no answer in 50ms" {
		t.Fatalf("/readyz with a hung store: %d %v", code, body)
	}
}
