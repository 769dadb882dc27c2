package bot

import "slices"

// Who may see what. Every read of the helpdesk — a chat command, a page of
// the dashboard, an export — asks the methods of this file, so that the
// chat and the dashboard cannot disagree. Roles are a platform's: a person
// is on the committee of the platform their id belongs to, and sees that
// platform's cases by their roles (their own requests wherever filed).
//
//	                        requester  group member         committee, chair  staff
//	cases (table, page)     their own  + their platform's   every case of their platform
//	                                   cases routed to
//	                                   their groups
//	who voted what          no         no                   yes               yes
//	a recommendation's      no (that   its text if they     yes               yes
//	text and author          one was    claimed the case
//	                         given)     (they are in its
//	                                    thread)
//	statistics (counts)     no         no                   yes               yes
//	exports, sessions       no         no                   no                their platform's
//	files of a mailed       no         no                   yes               yes
//	request (to download)
//	internal events (votes, no         yes, on the cases    yes               yes
//	notes, recommendations,            they see
//	reminders)
//
// The README's "Who sees what" section says the same for people.

// Scope is the part of the cases a person may see, as a filter the store
// applies to a list: the cases Person filed, and those of Platform that
// are either all of them (All) or routed to one of Groups. It is the rule
// of Admits, written so that a query can use it.
type Scope struct {
	Person   UserID
	Also     []UserID // the person's other identities, linked: their cases are theirs too
	Platform string
	All      bool
	Groups   []string
}

// scopeOf is the scope of a person with roles m.Roles.
func scopeOf(m Member) Scope {
	sc := Scope{Person: m.ID, Also: slices.Clone(m.Also), Platform: m.ID.Platform()}
	if m.Roles.Committee || m.Roles.Chair || m.Roles.Staff {
		sc.All = true
		return sc
	}
	sc.Groups = slices.Clone(m.Roles.Groups)
	return sc
}

// Admits reports whether a case routed to the groups routed is within the
// scope.
func (sc Scope) Admits(c Case, routed []string) bool {
	if c.Requester == sc.Person || slices.Contains(sc.Also, c.Requester) {
		return true
	}
	if c.Platform != sc.Platform {
		return false
	}
	if sc.All {
		return true
	}
	for _, g := range routed {
		if slices.Contains(sc.Groups, g) {
			return true
		}
	}
	return false
}

// seesAll reports whether m sees every case of their platform.
func seesAll(m Member) bool { return m.Roles.Committee || m.Roles.Chair || m.Roles.Staff }

// seesVotes reports whether m may read who voted what on c: the committee
// and staff of its platform.
func seesVotes(m Member, c Case) bool { return seesAll(m) && m.ID.Platform() == c.Platform }

// seesRecommendation reports whether m may read the text and the author of
// a working group's recommendation on c, claimed by claimers: the
// committee and staff of its platform, and whoever took the case up (they
// follow its thread, where the recommendation is posted).
func seesRecommendation(m Member, c Case, claimers []UserID) bool {
	return seesVotes(m, c) || slices.Contains(claimers, m.ID)
}

// seesStats reports whether m may read the statistics: the committee and
// staff, as /helpdesk stats.
func seesStats(m Member) bool { return seesAll(m) }

// isStaff reports whether m may read exports and sessions (their
// platform's) and end sessions.
func isStaff(m Member) bool { return m.Roles.Staff }

// Internal reports whether events of type t are for the helpdesk only: the
// requester does not see them (in their history, on the dashboard, in what
// is exported for them). Who voted what, internal notes, the groups'
// recommendations (the requester hears the outcome), the rule's
// escalations and the reminders of a wait are internal; what the
// requester said, was asked and was told is not.
func Internal(t EventType) bool {
	switch t {
	case EvVoteCast, EvVoteRemoved, EvEscalated, EvReminded, EvRecommended, EvDeliveryLost, EvNote, EvWaitReminded:
		return true
	}
	return false
}

// seesInternal reports whether m may read the internal events of c: anyone
// who may read the case except its requester, whatever their roles (a
// committee member does not read the notes on their own request).
func seesInternal(m Member, c Case) bool { return !m.Is(c.Requester) }

// seesFiles reports whether m may download the files that came with the
// requester's mail on c: the committee and staff of its platform.
func seesFiles(m Member, c Case) bool { return seesVotes(m, c) }
