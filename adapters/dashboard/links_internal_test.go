package dashboard

import (
	"reflect"
	"testing"
)

func TestLinkedFindsHTTPAddressesAndLeavesTheRest(t *testing.T) {
	l := func(u string) piece { return piece{Text: u, URL: u} }
	w := func(s string) piece { return piece{Text: s} }
	for _, c := range []struct {
		in   string
		want []piece
	}{
		{"", nil},
		{"no address here", []piece{w("no address here")}},
		{"https://commons.wikimedia.org/wiki/Category:Maps", []piece{l("https://commons.wikimedia.org/wiki/Category:Maps")}},
		{"See https://a.org/x).", []piece{w("See "), l("https://a.org/x"), w(").")}},
		{"(https://a.org/x), http://b.org/y; https://c.org/z? Yes!", []piece{w("("), l("https://a.org/x"), w("), "), l("http://b.org/y"), w("; "), l("https://c.org/z"), w("? Yes!")}},
		{"https://en.wikipedia.org/wiki/Ada_(language).", []piece{l("https://en.wikipedia.org/wiki/Ada_(language)"), w(".")}},
		{"« https://fr.wikipedia.org/wiki/Carte »", []piece{w("« "), l("https://fr.wikipedia.org/wiki/Carte"), w(" »")}},
		{"“https://a.org/x”", []piece{w("“"), l("https://a.org/x"), w("”")}},
		{"'https://a.org/x'", []piece{w("'"), l("https://a.org/x"), w("'")}},
		{"انظر https://ar.wikipedia.org/wiki/خريطة، ثم", []piece{w("انظر "), l("https://ar.wikipedia.org/wiki/خريطة"), w("، ثم")}},
		{"দেখুন https://bn.wikipedia.org/wiki/মানচিত্র।", []piece{w("দেখুন "), l("https://bn.wikipedia.org/wiki/মানচিত্র"), w("।")}},
		{"https://a.org/?q=1&x=2#top, then", []piece{l("https://a.org/?q=1&x=2#top"), w(", then")}},
		{"HTTPS://A.ORG/X", []piece{l("HTTPS://A.ORG/X")}},
		// Hostile: only http and https, no markup carried into the address.
		{"javascript:alert(1)", []piece{w("javascript:alert(1)")}},
		{"data:text/html,<script>alert(1)</script>", []piece{w("data:text/html,<script>alert(1)</script>")}},
		{"https://x\"><script>alert(1)</script>", []piece{l("https://x"), w("\"><script>alert(1)</script>")}},
		{"https://x'onmouseover='alert(1)", []piece{l("https://x'onmouseover='alert(1)")}},
		{"<https://a.org/x>", []piece{w("<"), l("https://a.org/x"), w(">")}},
		{"/relative/path and //a.org/x and ftp://a.org and mailto:a@b.org", []piece{w("/relative/path and //a.org/x and ftp://a.org and mailto:a@b.org")}},
		{"https:// and http:///x and https://:80/", []piece{w("https:// and http:///x and https://:80/")}},
		{"https://commons.wikimedia.org@evil.example/x", []piece{w("https://commons.wikimedia.org@evil.example/x")}},
		{"xhttps://a.org and 1http://a.org", []piece{w("xhttps://a.org and 1http://a.org")}},
		{"javascript:https://a.org", []piece{w("javascript:"), l("https://a.org")}},
		// A direction mark or any format character ends an address.
		{"https://a.org/x\u200f\u200etext", []piece{l("https://a.org/x"), w("\u200f\u200etext")}},
		{"https://a.org/x\ttab\nhttps://b.org", []piece{l("https://a.org/x"), w("\ttab\n"), l("https://b.org")}},
	} {
		if got := linked(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("linked(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func FuzzLinked(f *testing.F) {
	f.Add("See https://a.org/x). and (http://b.org/(y))")
	f.Add("https://x\"><script>")
	f.Fuzz(func(t *testing.T, s string) {
		var all string
		for _, p := range linked(s) {
			all += p.Text
			if p.URL != "" && (p.URL != p.Text || !linkable(p.URL)) {
				t.Fatalf("linked(%q): %q", s, p)
			}
		}
		if all != s {
			t.Fatalf("linked(%q) lost text: %q", s, all)
		}
	})
}
