package sqlite

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// Erase replaces e.Person by e.Pseudonym and clears the content of
// e.Cases, in the transaction, as bot.Erasure says. It returns the number
// of rows it changed or deleted.
//
// Where a person's id sits in a column of its own it is replaced by
// equality; inside JSON (an event's details, an outbox item) as a whole
// JSON string, so that "discord:12" never touches "discord:123". Names in
// free text are found in Go (regexp, Unicode case folding, whole words),
// as SQLite's LIKE folds ASCII only.
func (t *tx) Erase(e bot.Erasure) (int64, error) {
	if e.Person == "" || e.Pseudonym == "" || e.Person == e.Pseudonym {
		return 0, fmt.Errorf("erase %q as %q: %w", e.Person, e.Pseudonym, bot.ErrNotFound)
	}
	cases, err := json.Marshal(e.Cases)
	if err != nil {
		return 0, err
	}
	if e.Cases == nil {
		cases = []byte("[]")
	}
	ids := string(cases)
	who, ps := string(e.Person), string(e.Pseudonym)
	quoted := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	qWho, qPs := quoted(who), quoted(ps)

	var total int64
	run := func(what, q string, args ...any) error {
		n, err := t.execN(q, args...)
		if err != nil {
			return fmt.Errorf("erase %s: %s: %w", e.Pseudonym, what, dbErr(err))
		}
		total += n
		return nil
	}
	const inCases = `IN (SELECT value FROM json_each(?))`

	// The content of the cases.
	steps := []struct {
		what, q string
		args    []any
	}{
		{"cases", `UPDATE cases SET title = '', description = '', organisation = '', links = '', timeline = '',
			erased_at = ? WHERE id ` + inCases, []any{encTime(e.At), ids}},
		{"texts", `UPDATE events SET text = '' WHERE text <> '' AND case_id ` + inCases, []any{ids}},
		{"recommendations", `UPDATE case_groups SET recommendation = '' WHERE recommendation <> '' AND case_id ` + inCases, []any{ids}},
		{"files", `DELETE FROM attachments WHERE case_id ` + inCases, []any{ids}},
		// What was sent about the cases is history; what waits to be
		// sent is posted from its stored text, now erased: only the
		// refreshes, which read the state at delivery, stay.
		{"sent", `DELETE FROM outbox WHERE case_id ` + inCases + ` AND (state <> 'pending' OR op IN ('post', 'thread')) AND NOT forget`, []any{ids}},
	}
	// The person, in every table, or within the cases only.
	scope := func(col string) (string, []any) {
		if e.Only {
			return ` AND ` + col + ` ` + inCases, []any{ids}
		}
		return "", nil
	}
	replace := func(what, table, col, caseCol string) {
		cond, args := scope(caseCol)
		steps = append(steps, struct {
			what, q string
			args    []any
		}{what, `UPDATE OR REPLACE ` + table + ` SET ` + col + ` = ? WHERE ` + col + ` = ?` + cond, append([]any{ps, who}, args...)})
	}
	replace("requester", "cases", "requester", "id")
	replace("actor", "events", "actor", "case_id")
	replace("voter", "votes", "voter", "case_id")
	replace("claims", "claims", "user", "case_id")
	replace("routed", "case_groups", "routed_by", "case_id")
	replace("recommended", "case_groups", "recommended_by", "case_id")
	replace("letters", "letters", "sender", "case_id")
	replace("timers", "timers", "subject", "case_id")
	{
		cond, args := scope("id")
		// An open case needs an owner who can act: it has none now.
		steps = append(steps, struct {
			what, q string
			args    []any
		}{"owner", `UPDATE cases SET owner = CASE WHEN stage = 'closed' THEN ? ELSE '' END WHERE owner = ?` + cond, append([]any{ps, who}, args...)})
		cond, args = scope("case_id")
		steps = append(steps, struct {
			what, q string
			args    []any
		}{"details", `UPDATE events SET detail = replace(detail, ?, ?) WHERE instr(detail, ?) > 0` + cond, append([]any{qWho, qPs, qWho}, args...)},
			struct {
				what, q string
				args    []any
			}{"detail names", `UPDATE events SET detail = json_set(detail, '$.name', '')
				WHERE json_extract(detail, '$.owner') = ? AND json_extract(detail, '$.name') <> ''` + cond, append([]any{ps}, args...)})
	}
	if e.Only {
		steps = append(steps, struct {
			what, q string
			args    []any
		}{"reactions", `UPDATE OR REPLACE reactions SET user = ? WHERE user = ? AND ref IN (SELECT ref FROM posts WHERE case_id ` + inCases + `)`, []any{ps, who, ids}})
	} else {
		more := []struct {
			what, q string
			args    []any
		}{
			// Two linked identities of one person erased under one
			// pseudonym may hold the same vote or reaction: one stays
			// (OR REPLACE).
			{"reactions", `UPDATE OR REPLACE reactions SET user = ? WHERE user = ?`, []any{ps, who}},
			// Their own words, wherever they wrote them.
			{"own texts", `UPDATE events SET text = '' WHERE actor = ? AND text <> ''`, []any{ps}},
			{"own files", `DELETE FROM attachments WHERE letter IN (SELECT message_id FROM letters WHERE sender = ?)`, []any{ps}},
			{"digest", `DELETE FROM timers WHERE case_id IS NULL AND subject = ?`, []any{ps}},
			{"member", `DELETE FROM members WHERE id = ?`, []any{who}},
			{"identities", `DELETE FROM identities WHERE id = ?`, []any{who}},
			{"link codes", `DELETE FROM link_codes WHERE user = ?`, []any{who}},
			{"volunteer", `DELETE FROM volunteers WHERE user = ?`, []any{who}},
			{"notices", `DELETE FROM notices WHERE user = ?`, []any{who}},
			{"unreachable", `DELETE FROM unreachable WHERE user = ?`, []any{who}},
			{"sign-ins", `DELETE FROM signins WHERE user = ?`, []any{who}},
			{"sessions", `DELETE FROM sessions WHERE user = ?`, []any{who}},
			// What the outbox sent that names them is history; what
			// waits for them alone goes (they are told by a forgetting
			// item); what waits for others names the pseudonym.
			{"sent to them", `DELETE FROM outbox WHERE NOT forget AND (user = ? OR instr(place, ?) > 0 OR
				(state <> 'pending' AND instr(message, ?) > 0))`, []any{who, qWho, qWho}},
			{"outbox", `UPDATE outbox SET message = replace(message, ?, ?) WHERE NOT forget AND instr(message, ?) > 0`, []any{qWho, qPs, qWho}},
		}
		steps = append(steps, more...)
	}
	for _, s := range steps {
		if err := run(s.what, s.q, s.args...); err != nil {
			return total, err
		}
	}
	if e.Only || len(e.Names) == 0 {
		return total, nil
	}
	n, err := t.redact(e.Names)
	total += n
	if err != nil {
		return total, fmt.Errorf("erase %s: names: %w", e.Pseudonym, err)
	}
	return total, nil
}

// nameRe matches any of names as a whole word, whatever its case.
func nameRe(names []string) *regexp.Regexp {
	alts := make([]string, 0, len(names))
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			alts = append(alts, regexp.QuoteMeta(n))
		}
	}
	if len(alts) == 0 {
		return nil
	}
	return regexp.MustCompile(`(?i)(^|[^\pL\pN_])(` + strings.Join(alts, "|") + `)($|[^\pL\pN_])`)
}

// redactText replaces each match of re in s by bot.Redacted.
func redactText(re *regexp.Regexp, s string) string {
	// A match takes the characters around the name; two names side by
	// side need a second pass.
	for range 2 {
		s = re.ReplaceAllString(s, "${1}"+bot.Redacted+"${3}")
	}
	return s
}

// redact replaces names in every free text of the database: the texts of
// the log, the cases' fields, the recommendations, and what waits in the
// outbox (whose finished items naming them were deleted).
func (t *tx) redact(names []string) (int64, error) {
	re := nameRe(names)
	if re == nil {
		return 0, nil
	}
	var total int64
	texts := []struct{ table, key, col string }{
		{"events", "id", "text"},
		{"case_groups", "seq", "recommendation"},
		{"cases", "id", "title"},
		{"cases", "id", "description"},
		{"cases", "id", "organisation"},
		{"cases", "id", "links"},
		{"cases", "id", "timeline"},
		{"outbox", "id", "message"},
	}
	for _, c := range texts {
		n, err := t.redactColumn(re, c.table, c.key, c.col)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// redactColumn rewrites the values of table.col that re matches. An
// outbox message is JSON: the name is replaced inside its strings, as
// JSON writes them, and the result must still be JSON.
func (t *tx) redactColumn(re *regexp.Regexp, table, key, col string) (int64, error) {
	rows, err := t.query(`SELECT ` + key + `, ` + col + ` FROM ` + table + ` WHERE ` + col + ` <> ''`)
	type change struct {
		id  int64
		val string
	}
	changes, err := collect(rows, err, func(r scanner) (change, error) {
		var c change
		err := r.Scan(&c.id, &c.val)
		return c, err
	})
	if err != nil {
		return 0, fmt.Errorf("read %s.%s: %w", table, col, dbErr(err))
	}
	var total int64
	for _, c := range changes {
		v := c.val
		if table == "outbox" {
			v = redactJSON(re, v)
		} else {
			v = redactText(re, v)
		}
		if v == c.val {
			continue
		}
		n, err := t.execN(`UPDATE `+table+` SET `+col+` = ? WHERE `+key+` = ?`, v, c.id)
		if err != nil {
			return total, fmt.Errorf("rewrite %s.%s %d: %w", table, col, c.id, dbErr(err))
		}
		total += n
	}
	return total, nil
}

// redactJSON replaces the names in every string of a JSON document; a
// value that is not JSON is left as it is.
func redactJSON(re *regexp.Regexp, doc string) string {
	var v any
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber() // numbers come back as they were written
	if err := dec.Decode(&v); err != nil {
		return doc
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			return redactText(re, x)
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			for k := range x {
				x[k] = walk(x[k])
			}
		}
		return v
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		return doc
	}
	if string(out) == doc {
		return doc
	}
	return string(out)
}

// ErasableCases lists up to limit closed cases, not yet erased, closed
// before the given moment, oldest first.
func (t *tx) ErasableCases(closedBefore time.Time, limit int) ([]bot.Case, error) {
	rows, err := t.query(`SELECT `+caseCols+` FROM cases c INDEXED BY cases_unerased_closed
		WHERE c.closed_at IS NOT NULL AND c.erased_at IS NULL AND c.closed_at < ? AND c.stage = 'closed'
		ORDER BY c.closed_at LIMIT ?`, encTime(closedBefore), limit)
	out, err := collect(rows, err, scanCase)
	if err != nil {
		return nil, fmt.Errorf("cases closed before %s: %w", closedBefore.Format(time.RFC3339), dbErr(err))
	}
	return out, nil
}

// DeleteFiles deletes the files of the cases closed before the given moment.
func (t *tx) DeleteFiles(closedBefore time.Time) (int64, error) {
	n, err := t.execN(`DELETE FROM attachments WHERE case_id IN
		(SELECT id FROM cases WHERE closed_at IS NOT NULL AND closed_at < ? AND stage = 'closed')`, encTime(closedBefore))
	if err != nil {
		return 0, fmt.Errorf("delete files of cases closed before %s: %w", closedBefore.Format(time.RFC3339), dbErr(err))
	}
	return n, nil
}

// PruneOutbox deletes the items performed or given up before the given
// moment. (Ids are never reused: the outbox is AUTOINCREMENT, so an
// idempotency key made from an id is never made again.)
func (t *tx) PruneOutbox(before time.Time) (int64, error) {
	n, err := t.execN(`DELETE FROM outbox INDEXED BY outbox_finished WHERE state <> 'pending' AND done_at < ?`, encTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune the outbox: %w", dbErr(err))
	}
	return n, nil
}
