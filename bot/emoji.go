package bot

import "strings"

// The emoji of the vote choices, claims and ratings. Platforms deliver them
// with or without the variation selector U+FE0F; NormEmoji takes it off
// before any comparison.
const (
	EmojiYes   = "✅"
	EmojiNo    = "❌"
	EmojiInfo  = "❓"
	EmojiBack  = "↩️"
	EmojiClaim = "🙋"
)

// RatingEmoji are the reactions that rate the help 1 to 5, in order.
var RatingEmoji = []string{"1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"}

// NormEmoji brings an emoji to the form the core compares: without
// variation selectors and skin tones.
func NormEmoji(e string) string {
	// Trimmed after the selectors go: a space before one would stay.
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\uFE0F' || r == '\uFE0E':
			return -1
		case r >= 0x1F3FB && r <= 0x1F3FF: // skin tone modifiers
			return -1
		}
		return r
	}, e))
}

// shortcodes maps the names platforms and people use (":white_check_mark:")
// to the emoji the helpdesk knows.
var shortcodes = map[string]string{
	"white_check_mark":          EmojiYes,
	"x":                         EmojiNo,
	"question":                  EmojiInfo,
	"leftwards_arrow_with_hook": EmojiBack,
	"raising_hand":              EmojiClaim,
	"one":                       RatingEmoji[0],
	"two":                       RatingEmoji[1],
	"three":                     RatingEmoji[2],
	"four":                      RatingEmoji[3],
	"five":                      RatingEmoji[4],
	"mega":                      "📣",
	"card_index_dividers":       "🗂️",
	"hammer_and_wrench":         "🛠️",
	"microscope":                "🔬",
	"frame_with_picture":        "🖼️",
	"books":                     "📚",
	"fast_forward":              "⏩",
}

// EmojiFromName turns a shortcode (with or without colons) into its emoji;
// anything else is returned unchanged.
func EmojiFromName(s string) string {
	name := strings.Trim(strings.TrimSpace(s), ":")
	if e, ok := shortcodes[name]; ok {
		return e
	}
	return strings.TrimSpace(s)
}

// EmojiName returns the shortcode of an emoji the helpdesk knows, or "".
func EmojiName(e string) string {
	n := NormEmoji(e)
	best := ""
	for name, x := range shortcodes {
		if NormEmoji(x) == n && (best == "" || name < best) {
			best = name
		}
	}
	return best
}
