package sqlite

import (
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// This file is the web dashboard's read of the store: its sign-in links
// and sessions, the cases table, and the statistics, each one indexed
// query (or a few) however large the database grows.

// AddSignIn records a one-time sign-in link for user, known by the hash
// of its secret, and drops their oldest live links beyond keep.
func (t *tx) AddSignIn(hash string, user bot.UserID, at, expires time.Time, keep int) error {
	if _, err := t.exec(`INSERT INTO signins (hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, user, encTime(at), encTime(expires)); err != nil {
		return fmt.Errorf("add sign-in link: %w", dbErr(err))
	}
	// The person's live links past the newest keep go: a link is of no
	// use to anyone once its person has asked for keep newer ones.
	if _, err := t.exec(`DELETE FROM signins WHERE hash IN (
			SELECT hash FROM signins WHERE user = ? AND hash <> ? AND used_at IS NULL AND expires_at > ?
			ORDER BY created_at DESC, hash LIMIT -1 OFFSET ?)`, user, hash, encTime(at), max(keep-1, 0)); err != nil {
		return fmt.Errorf("drop old sign-in links: %w", dbErr(err))
	}
	return nil
}

// SignInLink reads the link whose secret hashes to hash.
func (t *tx) SignInLink(hash string) (bot.SignInLink, error) {
	var l bot.SignInLink
	var used sql.NullString
	err := t.queryRow(`SELECT user, expires_at, used_at FROM signins WHERE hash = ?`, hash).Scan(&l.User, timeCol{&l.Expires}, &used)
	if err != nil {
		return bot.SignInLink{}, fmt.Errorf("read sign-in link: %w", dbErr(err))
	}
	l.Used = used.Valid
	return l, nil
}

// UseSignIn marks the link hash used.
func (t *tx) UseSignIn(hash string, at time.Time) error {
	n, err := t.execN(`UPDATE signins SET used_at = ? WHERE hash = ? AND used_at IS NULL`, encTime(at), hash)
	if err != nil {
		return fmt.Errorf("spend sign-in link: %w", dbErr(err))
	}
	if n == 0 {
		return fmt.Errorf("spend sign-in link: %w", bot.ErrStale)
	}
	return nil
}

// StartSession records a session of user, known by the hash of its
// secret, and ends their oldest open sessions beyond keep.
func (t *tx) StartSession(hash string, user bot.UserID, now, expires time.Time, keep int) error {
	// Sessions and links past their time are of no use to anyone.
	if _, err := t.exec(`DELETE FROM signins WHERE expires_at < ?`, encTime(now.Add(-24*time.Hour))); err != nil {
		return fmt.Errorf("forget old sign-in links: %w", dbErr(err))
	}
	if _, err := t.exec(`DELETE FROM sessions WHERE expires_at < ?`, encTime(now.Add(-24*time.Hour))); err != nil {
		return fmt.Errorf("forget old sessions: %w", dbErr(err))
	}
	if _, err := t.exec(`INSERT INTO sessions (hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, user, encTime(now), encTime(expires)); err != nil {
		return fmt.Errorf("start session: %w", dbErr(err))
	}
	if _, err := t.exec(`UPDATE sessions SET ended_at = ?, ended_by = ? WHERE hash IN (
			SELECT hash FROM sessions WHERE user = ? AND hash <> ? AND ended_at IS NULL AND expires_at > ?
			ORDER BY created_at DESC, hash LIMIT -1 OFFSET ?)`, encTime(now), user, user, hash, encTime(now), max(keep-1, 0)); err != nil {
		return fmt.Errorf("end old sessions: %w", dbErr(err))
	}
	return nil
}

// Session returns the person of the open session whose secret hashes to
// hash; bot.ErrNotFound when there is none (unknown, ended, expired).
func (t *tx) Session(hash string, now time.Time) (bot.UserID, error) {
	var user bot.UserID
	err := t.queryRow(`SELECT user FROM sessions WHERE hash = ? AND ended_at IS NULL AND expires_at > ?`,
		hash, encTime(now)).Scan(&user)
	if err != nil {
		return "", fmt.Errorf("session: %w", dbErr(err))
	}
	return user, nil
}

// EndSession ends the open session whose hash is match, or begins with it
// (a SessionInfo.ID), of a person of platform ("" for any); by is who
// ended it. It reports whether one was open.
func (t *tx) EndSession(match string, by bot.UserID, platform string, now time.Time) (bool, error) {
	if len(match) < bot.SessionIDLen || strings.Trim(match, "0123456789abcdef") != "" {
		return false, nil
	}
	// The hash is hex: a range of the primary key finds the prefix.
	n, err := t.execN(`UPDATE sessions SET ended_at = ?, ended_by = ?
		WHERE hash >= ? AND hash < ? AND ended_at IS NULL AND expires_at > ? AND (? = '' OR user LIKE ? ESCAPE '\')`,
		encTime(now), by, match, match+"g", encTime(now), platform, likeEscape(platform)+":%")
	if err != nil {
		return false, fmt.Errorf("end session: %w", dbErr(err))
	}
	return n > 0, nil
}

// Sessions lists a page of the open sessions of platform's people, newest
// first, and how many there are.
func (t *tx) Sessions(platform string, now time.Time, offset, limit int) ([]bot.SessionInfo, int, error) {
	const where = ` FROM sessions WHERE ended_at IS NULL AND expires_at > ? AND user LIKE ? ESCAPE '\'`
	args := []any{encTime(now), likeEscape(platform) + ":%"}
	var total int
	if err := t.queryRow(`SELECT count(*)`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count sessions: %w", dbErr(err))
	}
	rows, err := t.query(`SELECT substr(hash, 1, ?), user, created_at, expires_at`+where+` ORDER BY created_at DESC, hash LIMIT ? OFFSET ?`,
		append(append([]any{bot.SessionIDLen}, args...), limit, max(offset, 0))...)
	out, err := collect(rows, err, func(r scanner) (bot.SessionInfo, error) {
		var si bot.SessionInfo
		err := r.Scan(&si.ID, &si.User, timeCol{&si.Created}, timeCol{&si.Expires})
		return si, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list sessions: %w", dbErr(err))
	}
	return out, total, nil
}

var sortSQL = map[string]string{
	bot.SortWaiting:  "c.updated_at",
	bot.SortNumber:   "c.id",
	bot.SortOpened:   "c.created_at",
	bot.SortTitle:    "c.title COLLATE NOCASE",
	bot.SortStage:    "c.stage",
	bot.SortDeadline: "coalesce(next_due, '9999')",
}

// CasePage reads one page of the cases that match q, and how many match.
func (t *tx) CasePage(q bot.CaseQuery) ([]bot.CaseRow, int, error) {
	var where []string
	var args []any
	if q.Stage != "" {
		where, args = append(where, "c.stage = ?"), append(args, q.Stage)
	}
	if q.Open && q.Stage == "" {
		// The open stages by name, as Cases does: the index on stage
		// reads them alone.
		marks := make([]string, 0, len(bot.Stages))
		for _, st := range bot.Stages {
			if st != bot.Closed {
				marks, args = append(marks, "?"), append(args, st)
			}
		}
		where = append(where, "c.stage IN ("+strings.Join(marks, ", ")+")")
	}
	if q.Outcome != "" {
		where, args = append(where, "c.stage = 'closed' AND c.outcome = ?"), append(args, q.Outcome)
	}
	if q.Owner != "" {
		where, args = append(where, "c.owner = ?"), append(args, q.Owner)
	}
	if q.Unowned {
		where = append(where, "c.owner = ''")
	}
	if q.Overdue {
		kinds := make([]string, len(bot.WaitKinds))
		for i, k := range bot.WaitKinds {
			kinds[i], args = "?", append(args, k)
		}
		where = append(where, `c.stage <> 'closed' AND (EXISTS (SELECT 1 FROM timers tm WHERE tm.case_id = c.id
			AND tm.fired_at IS NOT NULL AND tm.cancelled_at IS NULL AND tm.kind IN (`+strings.Join(kinds, ", ")+`))
			OR EXISTS (SELECT 1 FROM rounds r WHERE r.case_id = c.id AND r.n = c.round AND r.escalated = 1 AND r.closed = 0))`)
	}
	if q.IDs != nil {
		if len(q.IDs) == 0 {
			where = append(where, "0")
		} else {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(q.IDs)), ", ")
			where = append(where, "c.id IN ("+marks+")")
			for _, id := range q.IDs {
				args = append(args, id)
			}
		}
	}
	if q.Type != "" {
		where, args = append(where, "c.type = ?"), append(args, q.Type)
	}
	if q.Group != "" {
		where, args = append(where, "EXISTS (SELECT 1 FROM case_groups g WHERE g.case_id = c.id AND g.grp = ?)"), append(args, q.Group)
	}
	if q.Search != "" {
		where, args = append(where, `c.title LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(q.Search)+"%")
	}
	if sc := q.Scope; sc != nil {
		// The rule of bot.Scope.Admits, as SQL: their own cases, and
		// those of their platform that are all theirs to see or routed
		// to one of their groups.
		var cond string
		// Their own cases: filed by this identity or one linked to it.
		own, ownArgs := "c.requester = ?", []any{sc.Person}
		if len(sc.Also) > 0 {
			own = "c.requester IN (?" + strings.Repeat(", ?", len(sc.Also)) + ")"
			for _, a := range sc.Also {
				ownArgs = append(ownArgs, a)
			}
		}
		elsewhere := slices.ContainsFunc(sc.Also, func(a bot.UserID) bool { return a.Platform() != sc.Platform })
		switch {
		case sc.All && sc.Person.Platform() == sc.Platform && !elsewhere:
			// Their own cases are cases of their platform: one term,
			// which leaves the planner the index of the order.
			cond, args = "c.platform = ?", append(args, sc.Platform)
		case sc.All:
			cond, args = "c.platform = ? OR "+own, append(append(args, sc.Platform), ownArgs...)
		case len(sc.Groups) > 0:
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(sc.Groups)), ", ")
			cond = own + " OR c.platform = ? AND EXISTS (SELECT 1 FROM case_groups g WHERE g.case_id = c.id AND g.grp IN (" + marks + "))"
			args = append(append(args, ownArgs...), sc.Platform)
			for _, g := range sc.Groups {
				args = append(args, g)
			}
		default:
			cond, args = own, append(args, ownArgs...)
		}
		where = append(where, "("+cond+")")
	}
	if q.VoteAwaits != "" {
		where = append(where, `c.stage IN (?, ?) AND c.requester <> ? AND NOT EXISTS (
			SELECT 1 FROM rounds r JOIN posts p ON p.case_id = r.case_id AND p.name = r.post
			JOIN reactions x ON x.platform = p.platform AND x.ref = p.ref AND x.user = ?
			WHERE r.case_id = c.id AND r.n = c.round)`)
		args = append(args, bot.InitialReview, bot.FinalReview, q.VoteAwaits, q.VoteAwaits)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	order, ok := sortSQL[q.Sort]
	if (!ok || q.Sort == bot.SortWaiting) && !q.Open && q.Stage == "" {
		// Waiting the longest, among open and closed cases: the open
		// first (the closed wait for nothing).
		order = "c.stage = 'closed', " + sortSQL[bot.SortWaiting]
	} else if !ok {
		order = sortSQL[bot.SortWaiting]
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	var total int
	if err := t.queryRow(`SELECT count(*) FROM cases c`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count the cases table: %w", dbErr(err))
	}
	rows, err := t.query(`SELECT `+caseCols+`, (SELECT min(due) FROM timers t
			WHERE t.case_id = c.id AND t.round = c.round AND t.kind = 'deadline' AND t.fired_at IS NULL AND t.cancelled_at IS NULL) AS next_due,
			coalesce((SELECT m.name FROM members m WHERE m.id = c.owner AND c.owner <> ''), '')
		FROM cases c`+cond+` ORDER BY `+order+` `+dir+`, c.id `+dir+` LIMIT ? OFFSET ?`,
		append(args, limit, max(q.Offset, 0))...)
	out, err := collect(rows, err, func(r scanner) (bot.CaseRow, error) {
		var row bot.CaseRow
		c := &row.Case
		err := r.Scan(caseDest(c, timeCol{&row.NextDeadline}, &row.OwnerName)...)
		return row, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("cases table: %w", dbErr(err))
	}
	return out, total, nil
}

// likeEscape makes s match itself in a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// The queries of Stats. None reads the event log, nor a case outside the
// window: each goes by an index (TestStatsReadOnlyWhatTheyNeed).
const (
	// The requests of each month by type: the covering index on
	// (created_at, type), from the window's start.
	statsMonths = `SELECT substr(created_at, 1, 7), type, count(*) FROM cases INDEXED BY cases_created
		WHERE created_at >= ? GROUP BY 1, 2`
	// The cases closed in each month by outcome: the partial index of the
	// closed cases on (closed_at, outcome), migration 0010.
	statsClosed = `SELECT substr(closed_at, 1, 7), outcome, count(*) FROM cases INDEXED BY cases_closed
		WHERE closed_at IS NOT NULL AND closed_at >= ? GROUP BY 1, 2`
	// The cases in each stage: kept by triggers (migration 0005).
	statsStages = `SELECT stage, n FROM stage_counts`
	// The ratings: a partial index holds the rated cases alone.
	statsRatings = `SELECT rating, count(*) FROM cases INDEXED BY cases_rating WHERE rating > 0 GROUP BY rating`
	// The cases of the window by the index on their filing, then each
	// one's milestones by its key (kept by a trigger, migration 0006).
	statsTimes = `SELECT c.created_at, m.initial_at, m.final_go_at, m.resolved_at
		FROM cases c INDEXED BY cases_created JOIN milestones m ON m.case_id = c.id WHERE c.created_at >= ?`
	// The stays in a stage that ended in the window: the covering partial
	// index of the ended stays (kept by triggers, migration 0010).
	statsStays = `SELECT stage, entered_at, left_at FROM stage_stays INDEXED BY stage_stays_left
		WHERE left_at IS NOT NULL AND left_at >= ?`
	// Of the open cases of each group (statsGroups), the overdue ones: a group's wait (a card to claim, a
	// recommendation to give) whose first reminder fired and that has not
	// ended, on an open case, by the partial index of such timers.
	statsOverdue = `SELECT tm.subject, count(DISTINCT tm.case_id) FROM timers tm INDEXED BY timers_overdue
		JOIN cases c ON c.id = tm.case_id
		WHERE tm.fired_at IS NOT NULL AND tm.cancelled_at IS NULL AND tm.kind IN ('unclaimed', 'recommend')
			AND c.stage <> 'closed' GROUP BY tm.subject`
)

// statsGroups reads the open cases of each working group: the open cases
// by the index on their stage (the open stages by name: "<> closed" would
// read the closed ones too), then their groups by case.
var statsGroups = `SELECT g.grp, count(*) FROM cases c INDEXED BY cases_stage
		JOIN case_groups g ON g.case_id = c.id
		WHERE c.stage IN (` + openStages() + `) GROUP BY g.grp`

// openStages lists the open stages as SQL literals.
func openStages() string {
	var open []string
	for _, st := range bot.Stages {
		if st.Open() {
			open = append(open, "'"+string(st)+"'")
		}
	}
	return strings.Join(open, ", ")
}

// Stats reads the statistics of the cases filed from the month of from
// on, to now.
func (t *tx) Stats(from, now time.Time) (bot.Stats, error) {
	from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	st := bot.Stats{InStage: map[bot.Stage]bot.Spread{}}
	months := map[string]*bot.MonthCount{}
	closed := map[string]*bot.MonthOutcomes{}
	var keys []string
	for m := from; !m.After(now); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		keys = append(keys, key)
		months[key] = &bot.MonthCount{Month: m, ByType: map[bot.RequestType]int{}}
		closed[key] = &bot.MonthOutcomes{Month: m, ByOutcome: map[bot.Outcome]int{}}
	}
	quarterOf := func(t time.Time) time.Time {
		return time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	}
	type samples struct{ initial, final, resolved []time.Duration }
	quarters := map[time.Time]*samples{}
	var qs []time.Time
	for q := quarterOf(from); !q.After(now); q = q.AddDate(0, 3, 0) {
		quarters[q] = &samples{}
		qs = append(qs, q)
	}
	stays := map[bot.Stage][]time.Duration{}
	loads := map[string]*bot.GroupLoad{}
	load := func(g string) *bot.GroupLoad {
		if loads[g] == nil {
			loads[g] = &bot.GroupLoad{Group: g}
		}
		return loads[g]
	}
	err := func() error {
		err := t.each(statsMonths, func(r scanner) error {
			var month string
			var typ bot.RequestType
			var n int
			if err := r.Scan(&month, &typ, &n); err != nil {
				return err
			}
			if mc := months[month]; mc != nil {
				mc.ByType[typ] += n
				mc.Total += n
			}
			return nil
		}, encTime(from))
		if err != nil {
			return err
		}
		err = t.each(statsClosed, func(r scanner) error {
			var month string
			var o bot.Outcome
			var n int
			if err := r.Scan(&month, &o, &n); err != nil {
				return err
			}
			if mc := closed[month]; mc != nil {
				mc.ByOutcome[o] += n
				mc.Total += n
			}
			return nil
		}, encTime(from))
		if err != nil {
			return err
		}
		if st.Stages, err = t.stageCounts(); err != nil {
			return err
		}
		err = t.each(statsRatings, func(r scanner) error {
			var rating, n int
			if err := r.Scan(&rating, &n); err != nil {
				return err
			}
			if rating >= 1 && rating <= 5 {
				st.Ratings[rating-1] = n
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = t.each(statsStays, func(r scanner) error {
			var stage bot.Stage
			var entered, left time.Time
			if err := r.Scan(&stage, timeCol{&entered}, timeCol{&left}); err != nil {
				return err
			}
			stays[stage] = append(stays[stage], max(left.Sub(entered), 0))
			return nil
		}, encTime(from))
		if err != nil {
			return err
		}
		err = t.each(statsGroups, func(r scanner) error {
			var g string
			var n int
			if err := r.Scan(&g, &n); err != nil {
				return err
			}
			load(g).Open = n
			return nil
		})
		if err != nil {
			return err
		}
		err = t.each(statsOverdue, func(r scanner) error {
			var g string
			var n int
			if err := r.Scan(&g, &n); err != nil {
				return err
			}
			load(g).Overdue = n
			return nil
		})
		if err != nil {
			return err
		}
		return t.eachMilestone(statsTimes, func(opened, initial, final, resolved time.Time) {
			q := quarters[quarterOf(opened)]
			if q == nil {
				return
			}
			if !initial.IsZero() {
				q.initial = append(q.initial, initial.Sub(opened))
			}
			if !final.IsZero() {
				q.final = append(q.final, final.Sub(opened))
			}
			if !resolved.IsZero() {
				q.resolved = append(q.resolved, resolved.Sub(opened))
			}
		}, encTime(quarterOf(from)))
	}()
	if err != nil {
		return bot.Stats{}, fmt.Errorf("statistics: %w", dbErr(err))
	}
	filed := map[time.Time]int{}
	for _, key := range keys {
		st.Months = append(st.Months, *months[key])
		st.Closed = append(st.Closed, *closed[key])
		filed[quarterOf(months[key].Month)] += months[key].Total
	}
	for _, q := range qs {
		s := quarters[q]
		st.Quarters = append(st.Quarters, bot.QuarterTimes{Quarter: q, Filed: filed[q],
			Initial: spread(s.initial), FinalGo: spread(s.final), Resolved: spread(s.resolved)})
	}
	for stage, ds := range stays {
		st.InStage[stage] = spread(ds)
	}
	for _, l := range loads {
		st.Groups = append(st.Groups, *l)
	}
	sort.Slice(st.Groups, func(i, j int) bool { return st.Groups[i].Group < st.Groups[j].Group })
	return st, nil
}

// each runs query and hands fn each row.
func (t *tx) each(query string, fn func(scanner) error, args ...any) error {
	rows, err := t.query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// spread sums up durations by their quartiles and 90th percentile,
// interpolated between the two nearest ranks (the median of 2 h and 12 h
// is 7 h, as a reader expects).
func spread(ds []time.Duration) bot.Spread {
	if len(ds) == 0 {
		return bot.Spread{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) time.Duration {
		r := p * float64(len(ds)-1)
		i := int(r)
		if i+1 >= len(ds) {
			return ds[i]
		}
		return ds[i] + time.Duration((r-float64(i))*float64(ds[i+1]-ds[i]))
	}
	return bot.Spread{N: len(ds), P25: at(0.25), Median: at(0.5), P75: at(0.75), P90: at(0.9), Max: ds[len(ds)-1]}
}

// Tallies reads the figures of /helpdesk stats: the stage counts the
// triggers keep, the outcomes of the closed cases, and the milestones.
func (t *tx) Tallies() (bot.Tallies, error) {
	out := bot.Tallies{Outcomes: map[bot.Outcome]int{}}
	err := func() error {
		var err error
		if out.Stages, err = t.stageCounts(); err != nil {
			return err
		}
		rows, err := t.query(`SELECT outcome, count(*) FROM cases WHERE stage = ? GROUP BY outcome`, bot.Closed)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o bot.Outcome
			var n int
			if err := rows.Scan(&o, &n); err != nil {
				return err
			}
			out.Outcomes[o] = n
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return t.eachMilestone(allMilestones, func(opened, initial, final, resolved time.Time) {
			if !initial.IsZero() {
				out.Initial = append(out.Initial, initial.Sub(opened))
			}
			if !final.IsZero() {
				out.FinalGo = append(out.FinalGo, final.Sub(opened))
			}
			if !resolved.IsZero() {
				out.Resolved = append(out.Resolved, resolved.Sub(opened))
			}
		})
	}()
	if err != nil {
		return bot.Tallies{}, fmt.Errorf("tallies: %w", dbErr(err))
	}
	return out, nil
}

// allMilestones is every case's filing and milestones.
const allMilestones = `SELECT c.created_at, m.initial_at, m.final_go_at, m.resolved_at FROM milestones m JOIN cases c ON c.id = m.case_id`

// stageCounts reads the cases in each stage, kept by the triggers of
// migration 0005.
func (t *tx) stageCounts() (map[bot.Stage]int, error) {
	rows, err := t.query(statsStages)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[bot.Stage]int{}
	for rows.Next() {
		var st bot.Stage
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// eachMilestone runs query, a selection of (filed, initial feedback,
// final go, resolution) times, and hands fn each row; a milestone not
// reached is the zero time.
func (t *tx) eachMilestone(query string, fn func(opened, initial, final, resolved time.Time), args ...any) error {
	rows, err := t.query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var opened, initial, final, resolved time.Time
		if err := rows.Scan(timeCol{&opened}, timeCol{&initial}, timeCol{&final}, timeCol{&resolved}); err != nil {
			return err
		}
		fn(opened, initial, final, resolved)
	}
	return rows.Err()
}
