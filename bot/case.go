package bot

import (
	"slices"
	"strings"
	"time"
)

// UserID is a person's platform identity, kept opaque by the core and always
// prefixed by its platform: "shell:ana", "discord:80351110224678912".
type UserID string

// Platform returns the prefix of the id ("shell", "discord", "mattermost").
func (u UserID) Platform() string {
	p, _, _ := strings.Cut(string(u), ":")
	return p
}

// ErasedPlatform is the prefix of a pseudonym: the id a person's data
// carries once erased ("erased:3fa9c2d41b7e"). Nobody acts under it.
const ErasedPlatform = "erased"

// Erased reports whether u is a pseudonym left by an erasure.
func (u UserID) Erased() bool { return u.Platform() == ErasedPlatform }

// Local returns the id without its platform prefix ("ana", "80351110224678912").
func (u UserID) Local() string {
	if _, local, ok := strings.Cut(string(u), ":"); ok {
		return local
	}
	return string(u)
}

// Stage is where a case stands in the Helpdesk Process.
type Stage string

// The stages of a case, in the order of DESIGN.md.
const (
	InitialReview Stage = "initial_review"
	NeedsInfo     Stage = "needs_info"
	Routing       Stage = "routing"
	WorkingGroup  Stage = "working_group"
	FinalReview   Stage = "final_review"
	Support       Stage = "support"
	Closed        Stage = "closed"
)

// Stages lists every stage in process order.
var Stages = []Stage{InitialReview, NeedsInfo, Routing, WorkingGroup, FinalReview, Support, Closed}

// Open reports whether a case in this stage is still open.
func (s Stage) Open() bool { return s != Closed }

// Outcome says how a closed case ended; it is empty while the case is open.
type Outcome string

// The outcomes of a closed case.
const (
	Resolved  Outcome = "resolved"
	Declined  Outcome = "declined"
	Withdrawn Outcome = "withdrawn"
	ClosedBy  Outcome = "closed" // closed by staff, with a reason
	// Abandoned: a question to the requester stayed unanswered past
	// Waits.QuestionClose.
	Abandoned Outcome = "abandoned"
)

// Outcomes lists the outcomes in the order statistics show them.
var Outcomes = []Outcome{Resolved, Declined, Withdrawn, ClosedBy, Abandoned}

// RequestType is the kind of help asked for.
type RequestType string

// The request types offered by the intake form.
const (
	MediaUpload RequestType = "media-upload"
	DataUpload  RequestType = "data-upload"
	Guidance    RequestType = "guidance"
	Contacts    RequestType = "contacts"
	Funding     RequestType = "funding"
	Other       RequestType = "other"
)

// RequestTypes lists the request types in the order the form offers them.
var RequestTypes = []RequestType{MediaUpload, DataUpload, Guidance, Contacts, Funding, Other}

// Case is one request for help, from intake to its outcome.
type Case struct {
	ID           int64
	Platform     string // where the case lives: its thread, its cards
	Type         RequestType
	Title        string
	Description  string
	Organisation string
	Links        string
	Timeline     string
	Requester    UserID
	Lang         string // the requester's language when the case was filed
	Stage        Stage
	Outcome      Outcome
	Round        int // number of the current (or last) vote round; 0 before the first
	Rating       int // 1–5 once the requester rated the help, else 0
	// Owner is the staff member who looks after the case, if any.
	Owner     UserID
	CreatedAt time.Time
	UpdatedAt time.Time
	// ClosedAt is when the case was last closed, and ClosedFrom the stage
	// it was in then (a reopened case returns there); zero while open.
	ClosedAt   time.Time
	ClosedFrom Stage
	// ErasedAt is when the case's personal content was erased (the
	// requester asked, or it was closed for longer than the helpdesk keeps
	// cases); zero while it holds it. An erased case keeps its skeleton.
	ErasedAt time.Time
}

// TitleArg is the case's title as a text's argument: the requester's
// words, or, once the case is erased, the catalog's word for that.
func (c Case) TitleArg() Arg {
	if !c.ErasedAt.IsZero() {
		return X(T("case.erased_title"))
	}
	return S(c.Title)
}

// EventType names what happened to a case; the event log is made of them.
type EventType string

// The event types of the case log.
const (
	EvOpened       EventType = "case.opened"
	EvVoteCast     EventType = "vote.cast"
	EvVoteRemoved  EventType = "vote.removed"
	EvRoundOpened  EventType = "round.opened"
	EvRoundDecided EventType = "round.decided"
	EvEscalated    EventType = "round.escalated"
	EvReminded     EventType = "round.reminded"
	EvAsked        EventType = "info.asked"
	EvAnswered     EventType = "info.answered"
	EvRouted       EventType = "case.routed"
	EvClaimed      EventType = "group.claimed"
	EvRecommended  EventType = "group.recommended"
	EvResolved     EventType = "case.resolved"
	EvRated        EventType = "case.rated"
	EvWithdrawn    EventType = "case.withdrawn"
	EvClosed       EventType = "case.closed"
	EvDeliveryLost EventType = "delivery.failed"
	EvNote         EventType = "case.note"       // an internal note, for the helpdesk only
	EvOwner        EventType = "case.owner"      // a staff member took the case, or was given it
	EvReason       EventType = "decision.reason" // the committee's reason for a decision, given after it
	EvReopened     EventType = "case.reopened"
	EvWaitReminded EventType = "wait.reminded" // a wait's timer told someone
	EvAbandoned    EventType = "case.abandoned"
	EvMessage      EventType = "case.message" // the requester wrote (by mail) outside a question
	EvReplied      EventType = "case.replied" // the helpdesk wrote to the requester
	EvErased       EventType = "case.erased"  // the requester's personal data was erased from the case
)

// EventTypes lists every EventType, in the order of a case's life.
var EventTypes = []EventType{
	EvOpened, EvVoteCast, EvVoteRemoved, EvRoundOpened, EvRoundDecided, EvEscalated, EvReminded,
	EvAsked, EvAnswered, EvRouted, EvClaimed, EvRecommended, EvResolved, EvRated, EvWithdrawn,
	EvClosed, EvDeliveryLost, EvNote, EvOwner, EvReason, EvReopened, EvWaitReminded, EvAbandoned, EvMessage, EvReplied,
	EvErased,
}

// Event is one line of a case's audit trail: who did what, when. Detail holds
// the specifics (the choice, the group, the new stage) as plain strings.
type Event struct {
	ID     int64
	CaseID int64
	At     time.Time
	Actor  UserID // empty when the helpdesk itself acted (a deadline, a rule)
	Type   EventType
	Detail map[string]string
	// Text is what the person said, when the event is a saying: a
	// question, an answer, a note, a recommendation, a reason, a summary.
	Text string
	// Internal marks an event the requester does not see (see Internal).
	Internal bool
}

// RoundKind tells an initial-feedback vote from a final-go vote.
type RoundKind string

// The two kinds of committee vote.
const (
	InitialRound RoundKind = "initial"
	FinalRound   RoundKind = "final"
)

// Choice is what a committee member votes for.
type Choice string

// The choices of the two votes.
const (
	Accept  Choice = "accept"
	Decline Choice = "decline"
	Info    Choice = "info"
	Go      Choice = "go"
	NoGo    Choice = "nogo"
	Back    Choice = "back"
)

// Round is one committee vote on a case.
type Round struct {
	CaseID    int64
	N         int
	Kind      RoundKind
	Post      PostName // the post that carries the vote reactions
	OpenedAt  time.Time
	Deadline  time.Time
	Closed    bool
	Result    Choice // set once decided
	Escalated bool   // the rule handed the decision to the chair
}

// Vote is a member's choice in a round.
type Vote struct {
	CaseID int64
	Round  int
	Voter  UserID
	Choice Choice
}

// Roles are what a person may do in the helpdesk.
type Roles struct {
	Committee bool
	Chair     bool
	Staff     bool
	Groups    []string // working groups the person belongs to
}

// InGroup reports whether the roles include working group g.
func (r Roles) InGroup(g string) bool {
	for _, x := range r.Groups {
		if x == g {
			return true
		}
	}
	return false
}

// Member is a person as the helpdesk knows them.
type Member struct {
	ID     UserID
	Name   string // display name or user name on the platform
	Locale string // the platform's locale for the person, if it says
	Lang   string // the language the person chose with /helpdesk language, if any
	Roles  Roles
	// Also are the person's other identities, which they linked to this
	// one (/helpdesk link): one person, whose roles still hold only where
	// each platform gives them.
	Also []UserID
}

// Is reports whether u is m: this identity or one linked to it.
func (m Member) Is(u UserID) bool { return u == m.ID || slices.Contains(m.Also, u) }

// IDs are all of m's identities, this one first.
func (m Member) IDs() []UserID { return append([]UserID{m.ID}, m.Also...) }

// Assignment is a case routed to a working group.
type Assignment struct {
	CaseID         int64
	Group          string
	RoutedBy       UserID
	RoutedAt       time.Time
	Claimers       []UserID
	Recommendation string
	RecommendedBy  UserID
}

// Volunteer is someone who signed up to give support.
type Volunteer struct {
	User      UserID
	Languages string
	Skills    string
	Groups    string
	At        time.Time
}

// Post is a message the helpdesk placed on a platform for a case, known by
// its role in the case (PostName: PostCard, "vote/2", "routing",
// "group/planning").
type Post struct {
	CaseID   int64
	Name     PostName
	Platform string
	Ref      string // the platform's reference, opaque to the core
}

// Timer is a deadline or a reminder kept in the database: it fires once,
// whenever the helpdesk runs next after Due.
type Timer struct {
	ID     int64
	CaseID int64 // 0 for a timer of no case (a digest)
	Round  int   // the round of a vote's timers
	Kind   TimerKind
	// Subject is what a wait is about within its case: a working group
	// (unclaimed, recommend); for a digest, the person.
	Subject string
	// Step is the place of the timer in its wait's chain: 1 reminds, 2
	// tells those above, 3 closes (see waits.go).
	Step  int
	Since time.Time // when the wait began
	Due   time.Time
}

// Wait is a wait gone past its first reminder and not over: what
// "overdue" means in the to-do lists and on /metrics.
type Wait struct {
	CaseID  int64
	Kind    TimerKind
	Subject string
	Since   time.Time
}

// TimerKind says what a timer does when it falls due.
type TimerKind string

// The kinds of timers.
const (
	TimerReminder TimerKind = "reminder"
	TimerDeadline TimerKind = "deadline"
	// The waits (waits.go). TimerSupport is a case in support that nobody
	// owns: staff are reminded.
	TimerSupport   TimerKind = "support"
	TimerQuestion  TimerKind = "question"  // a question to the requester, unanswered
	TimerUnclaimed TimerKind = "unclaimed" // a group's card nobody claimed
	TimerRecommend TimerKind = "recommend" // a claimed group without a recommendation
	TimerIdle      TimerKind = "idle"      // an owned case where nothing happens
	TimerDigest    TimerKind = "digest"    // a person's daily to-do list
)

// WaitKinds lists the kinds of wait, in the order of a case's life.
var WaitKinds = []TimerKind{TimerQuestion, TimerUnclaimed, TimerRecommend, TimerSupport, TimerIdle}
