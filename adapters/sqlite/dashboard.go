package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// This file is the web dashboard's read of the store: its sign-in links
// and sessions, the cases table, and the statistics, each one indexed
// query (or a few) however large the database grows.

// AddSignIn records a one-time sign-in link for user, known by the hash
// of its secret.
func (t *tx) AddSignIn(hash string, user bot.UserID, at, expires time.Time) error {
	if _, err := t.exec(`INSERT INTO signins (hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, user, encTime(at), encTime(expires)); err != nil {
		return fmt.Errorf("add sign-in link: %w", dbErr(err))
	}
	return nil
}

// Why a sign-in link or a session does not let someone in.
var (
	ErrLinkUsed    = errors.New("the link was used already")
	ErrLinkExpired = errors.New("the link has expired")
)

// UseSignIn spends the link whose secret hashes to hash: it returns its
// person and marks it used, once. An unknown link is bot.ErrNotFound.
func (s *Store) UseSignIn(ctx context.Context, hash string, now time.Time) (bot.UserID, error) {
	var user bot.UserID
	err := s.Update(ctx, func(btx bot.Tx) error {
		t := btx.(*tx)
		var expires time.Time
		var used sql.NullString
		err := t.queryRow(`SELECT user, expires_at, used_at FROM signins WHERE hash = ?`, hash).Scan(&user, timeCol{&expires}, &used)
		switch {
		case err != nil:
			return dbErr(err)
		case used.Valid:
			return ErrLinkUsed
		case !now.Before(expires):
			return ErrLinkExpired
		}
		_, err = t.exec(`UPDATE signins SET used_at = ? WHERE hash = ?`, encTime(now), hash)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	return user, nil
}

// SessionInfo is an open session, as staff see it. ID is a short prefix
// of its hash: enough to end it, nothing to sign in with.
type SessionInfo struct {
	ID      string
	User    bot.UserID
	Created time.Time
	Expires time.Time
}

// sessionIDLen is the length of a SessionInfo.ID.
const sessionIDLen = 16

// StartSession records a session of user, known by the hash of its secret.
func (s *Store) StartSession(ctx context.Context, hash string, user bot.UserID, now, expires time.Time) error {
	return s.Update(ctx, func(btx bot.Tx) error {
		t := btx.(*tx)
		// Sessions and links past their time are of no use to anyone.
		if _, err := t.exec(`DELETE FROM signins WHERE expires_at < ?`, encTime(now.Add(-24*time.Hour))); err != nil {
			return err
		}
		if _, err := t.exec(`DELETE FROM sessions WHERE expires_at < ?`, encTime(now.Add(-24*time.Hour))); err != nil {
			return err
		}
		_, err := t.exec(`INSERT INTO sessions (hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			hash, user, encTime(now), encTime(expires))
		return err
	})
}

// Session returns the person of the open session whose secret hashes to
// hash; bot.ErrNotFound when there is none (unknown, ended, expired).
func (s *Store) Session(ctx context.Context, hash string, now time.Time) (bot.UserID, error) {
	var user bot.UserID
	err := s.View(ctx, func(btx bot.Tx) error {
		return btx.(*tx).queryRow(`SELECT user FROM sessions WHERE hash = ? AND ended_at IS NULL AND expires_at > ?`,
			hash, encTime(now)).Scan(&user)
	})
	if err != nil {
		return "", fmt.Errorf("session: %w", dbErr(err))
	}
	return user, nil
}

// EndSession ends the session whose hash is hash, or begins with it (a
// SessionInfo.ID); by is who ended it. It reports whether one was open.
func (s *Store) EndSession(ctx context.Context, hash string, by bot.UserID, now time.Time) (bool, error) {
	if len(hash) < sessionIDLen || strings.ContainsAny(hash, "%_") {
		return false, nil
	}
	var n int64
	err := s.Update(ctx, func(btx bot.Tx) error {
		var err error
		n, err = btx.(*tx).execN(`UPDATE sessions SET ended_at = ?, ended_by = ? WHERE hash LIKE ? AND ended_at IS NULL AND expires_at > ?`,
			encTime(now), by, hash+"%", encTime(now))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("end session: %w", busyErr(err))
	}
	return n > 0, nil
}

// Sessions lists the open sessions, newest first.
func (s *Store) Sessions(ctx context.Context, now time.Time) ([]SessionInfo, error) {
	var out []SessionInfo
	err := s.View(ctx, func(btx bot.Tx) error {
		rows, err := btx.(*tx).query(`SELECT substr(hash, 1, ?), user, created_at, expires_at FROM sessions
			WHERE ended_at IS NULL AND expires_at > ? ORDER BY created_at DESC`, sessionIDLen, encTime(now))
		out, err = collect(rows, err, func(r scanner) (SessionInfo, error) {
			var si SessionInfo
			err := r.Scan(&si.ID, &si.User, timeCol{&si.Created}, timeCol{&si.Expires})
			return si, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", busyErr(err))
	}
	return out, nil
}

// CaseQuery selects and orders a page of the cases table. Zero fields
// select everything.
type CaseQuery struct {
	Stage     bot.Stage
	Type      bot.RequestType
	Group     string     // routed to this working group
	Search    string     // in the title, any case
	Requester bot.UserID // filed by this person (what a requester sees)
	// VoteAwaits: under review, in a round this committee member has not
	// voted in (and not their own request).
	VoteAwaits bot.UserID
	// Platform keeps the cases of one platform (what the committee and
	// staff of that platform see).
	Platform string
	// Visible, when set, keeps what a person who is neither on the
	// committee nor staff may see: their own cases and those routed to
	// their working groups.
	Visible *Visibility
	// Sort is one of the SortBy keys; Desc reverses it.
	Sort   string
	Desc   bool
	Offset int
	Limit  int // 0 means 50
}

// Visibility is what one person may see of the cases.
type Visibility struct {
	User   bot.UserID
	Groups []string
}

// The orders of the cases table.
const (
	SortWaiting  = "waiting" // since the last change, the oldest first
	SortNumber   = "number"
	SortOpened   = "opened"
	SortTitle    = "title"
	SortStage    = "stage"
	SortDeadline = "deadline" // the next deadline, the soonest first
)

// SortBy lists the orders of the cases table.
var SortBy = []string{SortWaiting, SortNumber, SortOpened, SortTitle, SortStage, SortDeadline}

var sortSQL = map[string]string{
	SortWaiting:  "c.updated_at",
	SortNumber:   "c.id",
	SortOpened:   "c.created_at",
	SortTitle:    "c.title COLLATE NOCASE",
	SortStage:    "c.stage",
	SortDeadline: "coalesce(next_due, '9999')",
}

// CaseRow is a row of the cases table.
type CaseRow struct {
	bot.Case
	NextDeadline time.Time // the deadline of the vote in progress; zero when none
}

// CasePage reads one page of the cases that match q, and how many match.
func (s *Store) CasePage(ctx context.Context, q CaseQuery) ([]CaseRow, int, error) {
	var where []string
	var args []any
	if q.Stage != "" {
		where, args = append(where, "c.stage = ?"), append(args, q.Stage)
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
	if q.Requester != "" {
		where, args = append(where, "c.requester = ?"), append(args, q.Requester)
	}
	if q.Platform != "" {
		where, args = append(where, "c.platform = ?"), append(args, q.Platform)
	}
	if v := q.Visible; v != nil {
		cond := "c.requester = ?"
		args = append(args, v.User)
		if len(v.Groups) > 0 {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(v.Groups)), ", ")
			cond += " OR EXISTS (SELECT 1 FROM case_groups g WHERE g.case_id = c.id AND g.grp IN (" + marks + "))"
			for _, g := range v.Groups {
				args = append(args, g)
			}
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
	if !ok {
		order = sortSQL[SortWaiting]
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	var out []CaseRow
	var total int
	err := s.View(ctx, func(btx bot.Tx) error {
		t := btx.(*tx)
		if err := t.queryRow(`SELECT count(*) FROM cases c`+cond, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := t.query(`SELECT `+caseCols+`, (SELECT min(due) FROM timers t
				WHERE t.case_id = c.id AND t.round = c.round AND t.kind = 'deadline' AND t.fired_at IS NULL AND t.cancelled_at IS NULL) AS next_due
			FROM cases c`+cond+` ORDER BY `+order+` `+dir+`, c.id `+dir+` LIMIT ? OFFSET ?`,
			append(args, limit, max(q.Offset, 0))...)
		out, err = collect(rows, err, func(r scanner) (CaseRow, error) {
			var row CaseRow
			c := &row.Case
			err := r.Scan(&c.ID, &c.Platform, &c.Type, &c.Title, &c.Description, &c.Organisation,
				&c.Links, &c.Timeline, &c.Requester, &c.Lang, &c.Stage, &c.Outcome, &c.Round, &c.Rating,
				timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, timeCol{&row.NextDeadline})
			return row, err
		})
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("cases table: %w", busyErr(err))
	}
	return out, total, nil
}

// likeEscape makes s match itself in a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Stats are the figures of the statistics page.
type Stats struct {
	// Months are the requests filed in each month since From, by type,
	// every month present.
	Months []MonthCount
	Stages map[bot.Stage]int
	// Quarters hold the times to each milestone of the cases filed in
	// each quarter since From.
	Quarters []QuarterTimes
	Ratings  [5]int // how many cases were rated 1 … 5
}

// MonthCount is one month's requests.
type MonthCount struct {
	Month  time.Time // its first day, UTC
	ByType map[bot.RequestType]int
	Total  int
}

// QuarterTimes are the times from filing to each milestone of the cases
// filed in one quarter.
type QuarterTimes struct {
	Quarter  time.Time // its first day, UTC
	Initial  Spread    // to the initial feedback
	FinalGo  Spread    // to the final go
	Resolved Spread    // to the resolution
}

// Spread is a set of durations by their quartiles.
type Spread struct {
	N                     int
	P25, Median, P75, Max time.Duration
}

// The queries of Stats. None reads the event log, nor a case outside the
// window: each goes by an index (TestStatsReadOnlyWhatTheyNeed).
const (
	// The requests of each month by type: the covering index on
	// (created_at, type), from the window's start.
	statsMonths = `SELECT substr(created_at, 1, 7), type, count(*) FROM cases INDEXED BY cases_created
		WHERE created_at >= ? GROUP BY 1, 2`
	// The cases in each stage: kept by triggers (migration 0005).
	statsStages = `SELECT stage, n FROM stage_counts`
	// The ratings: a partial index holds the rated cases alone.
	statsRatings = `SELECT rating, count(*) FROM cases INDEXED BY cases_rating WHERE rating > 0 GROUP BY rating`
	// The cases of the window by the index on their filing, then each
	// one's milestones by its key (kept by a trigger, migration 0006).
	statsTimes = `SELECT c.created_at, m.initial_at, m.final_go_at, m.resolved_at
		FROM cases c INDEXED BY cases_created JOIN milestones m ON m.case_id = c.id WHERE c.created_at >= ?`
)

// Stats reads the statistics of the cases filed from the month of from
// on, to now.
func (s *Store) Stats(ctx context.Context, from, now time.Time) (Stats, error) {
	from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	var st Stats
	months := map[string]*MonthCount{}
	for m := from; !m.After(now); m = m.AddDate(0, 1, 0) {
		mc := &MonthCount{Month: m, ByType: map[bot.RequestType]int{}}
		st.Months = append(st.Months, *mc)
		months[m.Format("2006-01")] = mc
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
	err := s.View(ctx, func(btx bot.Tx) error {
		t := btx.(*tx)
		rows, err := t.query(statsMonths, encTime(from))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var month string
			var typ bot.RequestType
			var n int
			if err := rows.Scan(&month, &typ, &n); err != nil {
				return err
			}
			if mc := months[month]; mc != nil {
				mc.ByType[typ] += n
				mc.Total += n
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if st.Stages, err = t.stageCounts(); err != nil {
			return err
		}
		rows, err = t.query(statsRatings)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r, n int
			if err := rows.Scan(&r, &n); err != nil {
				return err
			}
			if r >= 1 && r <= 5 {
				st.Ratings[r-1] = n
			}
		}
		if err := rows.Err(); err != nil {
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
	})
	if err != nil {
		return Stats{}, fmt.Errorf("statistics: %w", busyErr(err))
	}
	for i := range st.Months {
		st.Months[i] = *months[st.Months[i].Month.Format("2006-01")]
	}
	for _, q := range qs {
		s := quarters[q]
		st.Quarters = append(st.Quarters, QuarterTimes{Quarter: q, Initial: spread(s.initial), FinalGo: spread(s.final), Resolved: spread(s.resolved)})
	}
	return st, nil
}

// spread sums up durations by their quartiles (nearest rank).
func spread(ds []time.Duration) Spread {
	if len(ds) == 0 {
		return Spread{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) time.Duration { return ds[int(p*float64(len(ds)-1)+0.5)] }
	return Spread{N: len(ds), P25: at(0.25), Median: at(0.5), P75: at(0.75), Max: ds[len(ds)-1]}
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
