package sqlite_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// The cases table filters by bot.Scope in SQL; bot.Scope.Admits is the
// same rule for one case. They agree for every scope on every case:
// requesters of two platforms, cases routed to groups of the same name on
// both, people with no role, a group or two, and every case of their
// platform.
func TestTheScopeInSQLIsTheRuleOfAdmits(t *testing.T) {
	s, _ := MustOpen(t)
	groups := [][]string{nil, {"implementation"}, {"evaluation"}, {"implementation", "evaluation"}}
	type made struct {
		c      bot.Case
		routed []string
	}
	var cases []made
	for i := range 24 {
		platform := []string{"discord", "mattermost"}[i%2]
		requester := bot.UserID(fmt.Sprintf("%s:r%d", platform, i%3))
		routed := groups[(i/2)%len(groups)]
		c := newCase(requester, bot.WorkingGroup)
		c.Platform = platform
		MustUpdate(t, s, func(tx bot.Tx) error {
			if err := tx.CreateCase(c); err != nil {
				return err
			}
			for _, g := range routed {
				if _, err := tx.Assign(bot.Assignment{CaseID: c.ID, Group: g, RoutedAt: c.CreatedAt}); err != nil {
					return err
				}
			}
			return nil
		})
		cases = append(cases, made{*c, routed})
	}
	var scopes []bot.Scope
	for _, platform := range []string{"discord", "mattermost"} {
		for _, person := range []string{"r0", "r1", "nobody"} {
			id := bot.UserID(platform + ":" + person)
			// Unlinked, linked to the same person's other platform
			// account, and to a second account of the same platform.
			other := map[string]string{"discord": "mattermost", "mattermost": "discord"}[platform]
			for _, also := range [][]bot.UserID{nil, {bot.UserID(other + ":r2")}, {bot.UserID(platform + ":r2")}} {
				scopes = append(scopes, bot.Scope{Person: id, Also: also, Platform: platform, All: true})
				for _, g := range groups {
					scopes = append(scopes, bot.Scope{Person: id, Also: also, Platform: platform, Groups: g})
				}
			}
		}
	}
	for _, sc := range scopes {
		var want []int64
		for _, m := range cases {
			if sc.Admits(m.c, m.routed) {
				want = append(want, m.c.ID)
			}
		}
		var got []int64
		MustView(t, s, func(tx bot.Tx) error {
			rows, total, err := tx.CasePage(bot.CaseQuery{Scope: &sc, Sort: bot.SortNumber, Limit: 100})
			for _, r := range rows {
				got = append(got, r.ID)
			}
			if err == nil && total != len(rows) {
				t.Errorf("%+v: total %d, %d rows", sc, total, len(rows))
			}
			return err
		})
		if !slices.Equal(got, want) {
			t.Errorf("scope %+v:\n SQL    %v\n Admits %v", sc, got, want)
		}
	}
}
