package discordtest

import (
	"encoding/json"
	"fmt"
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

// validCommand is a command within every limit: a subcommand with a
// required option, an optional one with choices, and localizations.
func validCommand() map[string]any {
	return map[string]any{
		"name": "helpdesk", "type": 1, "description": "Ask for help",
		"description_localizations": map[string]any{"sv-SE": "Be om hjälp", "fi": "Pyydä apua"},
		"options": []any{map[string]any{
			"type": 1, "name": "status", "description": "Where a case stands",
			"description_localizations": map[string]any{"sv-SE": "Hur ett ärende står"},
			"options": []any{
				map[string]any{"type": 3, "name": "text", "description": "Your words", "required": true, "max_length": 1000},
				map[string]any{"type": 3, "name": "stage", "description": "A stage", "choices": []any{
					map[string]any{"name": "New", "value": "new", "name_localizations": map[string]any{"fi": "Uusi"}},
				}},
			},
		}},
	}
}

// sub is the subcommand of a validCommand, opt its i-th option.
func sub(c map[string]any) map[string]any { return c["options"].([]any)[0].(map[string]any) }
func opt(c map[string]any, i int) map[string]any {
	return sub(c)["options"].([]any)[i].(map[string]any)
}

// Registering commands is checked against Discord's documented limits: each
// broken limit makes Discord refuse the whole registration with 400 Invalid
// Form Body (50035) and an "errors" object that leads to the field.
func TestCommandLimits(t *testing.T) {
	many := func(n int, mk func(i int) any) []any {
		var out []any
		for i := range n {
			out = append(out, mk(i))
		}
		return out
	}
	long := func(n int) string { return strings.Repeat("ä", n) }
	for _, tc := range []struct {
		name   string
		change func(c map[string]any) []any // the commands to register
		path   string                       // where the error is, as "0.options.0.name"
	}{
		{"within the limits", func(c map[string]any) []any { return []any{c} }, ""},
		{"26 options", func(c map[string]any) []any {
			c["options"] = many(26, func(i int) any {
				return map[string]any{"type": 1, "name": fmt.Sprintf("s%d", i), "description": "d"}
			})
			return []any{c}
		}, "0.options"},
		{"25 options", func(c map[string]any) []any {
			c["options"] = many(25, func(i int) any {
				return map[string]any{"type": 1, "name": fmt.Sprintf("s%d", i), "description": "d"}
			})
			return []any{c}
		}, ""},
		{"26 options of a subcommand", func(c map[string]any) []any {
			sub(c)["options"] = many(26, func(i int) any {
				return map[string]any{"type": 3, "name": fmt.Sprintf("o%d", i), "description": "d"}
			})
			return []any{c}
		}, "0.options.0.options"},
		{"26 subcommands in a group", func(c map[string]any) []any {
			c["options"] = []any{map[string]any{"type": 2, "name": "g", "description": "d", "options": many(26, func(i int) any {
				return map[string]any{"type": 1, "name": fmt.Sprintf("s%d", i), "description": "d"}
			})}}
			return []any{c}
		}, "0.options.0.options"},
		{"26 choices", func(c map[string]any) []any {
			opt(c, 1)["choices"] = many(26, func(i int) any { return map[string]any{"name": "n", "value": fmt.Sprint(i)} })
			return []any{c}
		}, "0.options.0.options.1.choices"},
		{"a name in upper case", func(c map[string]any) []any { c["name"] = "Helpdesk"; return []any{c} }, "0.name"},
		{"a name with a space", func(c map[string]any) []any { sub(c)["name"] = "my status"; return []any{c} }, "0.options.0.name"},
		{"an empty name", func(c map[string]any) []any { opt(c, 0)["name"] = ""; return []any{c} }, "0.options.0.options.0.name"},
		{"a name of 33 characters", func(c map[string]any) []any { c["name"] = strings.Repeat("a", 33); return []any{c} }, "0.name"},
		{"a name of 32 characters, not Latin", func(c map[string]any) []any { c["name"] = strings.Repeat("ä", 32); return []any{c} }, ""},
		{"a localized name in upper case", func(c map[string]any) []any {
			c["name_localizations"] = map[string]any{"fi": "Apua"}
			return []any{c}
		}, "0.name_localizations.fi"},
		{"an empty description", func(c map[string]any) []any { c["description"] = ""; return []any{c} }, "0.description"},
		{"a description of 101 characters", func(c map[string]any) []any { sub(c)["description"] = long(101); return []any{c} }, "0.options.0.description"},
		{"a localized description of 101 characters", func(c map[string]any) []any {
			sub(c)["description_localizations"] = map[string]any{"sv-SE": long(101)}
			return []any{c}
		}, "0.options.0.description_localizations.sv-SE"},
		{"a description in an unknown locale", func(c map[string]any) []any {
			c["description_localizations"] = map[string]any{"sv": "Be om hjälp"}
			return []any{c}
		}, "0.description_localizations.sv"},
		{"a choice name of 101 characters", func(c map[string]any) []any {
			opt(c, 1)["choices"] = []any{map[string]any{"name": long(101), "value": "v"}}
			return []any{c}
		}, "0.options.0.options.1.choices.0.name"},
		{"a localized choice name of 101 characters", func(c map[string]any) []any {
			opt(c, 1)["choices"] = []any{map[string]any{"name": "n", "value": "v", "name_localizations": map[string]any{"fi": long(101)}}}
			return []any{c}
		}, "0.options.0.options.1.choices.0.name_localizations.fi"},
		{"a required option after an optional one", func(c map[string]any) []any {
			o := sub(c)["options"].([]any)
			o[0], o[1] = o[1], o[0]
			return []any{c}
		}, "0.options.0.options.1.required"},
		{"two options of one name", func(c map[string]any) []any { opt(c, 1)["name"] = "text"; return []any{c} }, "0.options.0.options.1.name"},
		{"subcommands beside options", func(c map[string]any) []any {
			c["options"] = append(c["options"].([]any), map[string]any{"type": 3, "name": "x", "description": "d"})
			return []any{c}
		}, "0.options"},
		{"a max_length over 6000", func(c map[string]any) []any { opt(c, 0)["max_length"] = 6001; return []any{c} }, "0.options.0.options.0.max_length"},
		{"101 commands", func(c map[string]any) []any {
			return many(101, func(i int) any { return map[string]any{"name": fmt.Sprintf("c%d", i), "type": 1, "description": "d"} })
		}, ""},
		{"two commands of one name", func(c map[string]any) []any {
			return []any{c, map[string]any{"name": "helpdesk", "type": 1, "description": "d"}}
		}, "1.name"},
		// 25 subcommands of 10 options, each option with a name of 4
		// characters and a Swedish or a Finnish description of 30 (the other
		// language's and the default of 1): each language alone makes about
		// 5000 characters, but the longest localization of each field counts,
		// 250 × 34 = 8500 and more.
		{"8000 characters, counting each field's longest localization", func(c map[string]any) []any {
			c["options"] = many(25, func(i int) any {
				return map[string]any{"type": 1, "name": fmt.Sprintf("s%03d", i), "description": "d", "options": many(10, func(j int) any {
					loc := map[string]any{"sv-SE": long(30), "fi": "x"}
					if j%2 == 1 {
						loc = map[string]any{"sv-SE": "x", "fi": long(30)}
					}
					return map[string]any{"type": 3, "name": fmt.Sprintf("o%03d", j), "description": "d", "description_localizations": loc}
				})}
			})
			return []any{c}
		}, "0"},
		{"the same command with short descriptions", func(c map[string]any) []any {
			c["options"] = many(25, func(i int) any {
				return map[string]any{"type": 1, "name": fmt.Sprintf("s%03d", i), "description": "d", "options": many(10, func(j int) any {
					return map[string]any{"type": 3, "name": fmt.Sprintf("o%03d", j), "description": "d",
						"description_localizations": map[string]any{"sv-SE": long(20), "fi": long(20)}}
				})}
			})
			return []any{c}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := New(t)
			body, _ := json.Marshal(tc.change(validCommand()))
			for _, path := range []string{"/applications/" + App + "/guilds/" + Guild + "/commands", "/applications/" + App + "/commands"} {
				r := f.do(t, "PUT", path, string(body))
				var ans struct {
					Code   int            `json:"code"`
					Errors map[string]any `json:"errors"`
				}
				_ = json.NewDecoder(r.Body).Decode(&ans)
				if tc.path == "" && tc.name != "101 commands" {
					if r.StatusCode != 200 {
						t.Fatalf("%s: HTTP %d %v", path, r.StatusCode, ans.Errors)
					}
					continue
				}
				if r.StatusCode != 400 || ans.Code != 50035 {
					t.Fatalf("%s: HTTP %d code %d, want 400 and 50035", path, r.StatusCode, ans.Code)
				}
				var at any = ans.Errors
				for _, p := range strings.Split(tc.path, ".") {
					if p == "" {
						break
					}
					m, _ := at.(map[string]any)
					at = m[p]
				}
				if m, _ := at.(map[string]any); m == nil || m["_errors"] == nil {
					t.Errorf("%s: no error at %q: %v", path, tc.path, ans.Errors)
				}
			}
			if want := 2; tc.path == "" && tc.name != "101 commands" && len(f.Registrations()) != want {
				t.Errorf("%d registrations taken, want %d", len(f.Registrations()), want)
			}
		})
	}
}
