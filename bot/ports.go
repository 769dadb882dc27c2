package bot

import (
	"context"
	"errors"
	"time"
)

// Chat is what the core asks of a chat platform. The outbox worker is its
// only caller, one call at a time per platform.
//
// Errors: ErrGone when the target (channel, thread, post) no longer exists,
// ErrForbidden when the platform refuses for lack of permission,
// ErrUnreachable when a person cannot receive a direct message. Any other
// error is taken as passing and the call is tried again later.
type Chat interface {
	// Post places m and returns the platform's reference to it. A Post
	// whose m.Key the platform has already seen returns the earlier post's
	// reference rather than posting twice.
	Post(ctx context.Context, to Place, m Message) (ref string, err error)
	// StartThread opens the thread of a case on the post ref (the card in
	// the committee channel) and returns the thread's reference. Asked again
	// for a post that already has a thread, it returns that thread.
	StartThread(ctx context.Context, ref string, name Message) (thread string, err error)
	// Edit replaces the content of post ref with m.
	Edit(ctx context.Context, ref string, m Message) error
	// React adds the helpdesk's own reaction emoji to post ref.
	React(ctx context.Context, ref string, emoji string) error
	// Invite adds a person to a thread so that they follow it.
	Invite(ctx context.Context, thread string, user UserID) error
}

// Letters is optional: a platform whose private messages are letters
// (mail) keeps each case's correspondence together. The outbox gives each
// letter the references of the case's earlier letters on that platform
// (Message.References) and records the reference of each one sent, so
// that a reply to any of them finds its case (Service.Receive).
type Letters interface {
	Letters()
}

// Pacer is optional: a platform that limits how often one post may be
// edited says so, and the core holds a post's refresh back by that much.
// Refreshes that come meanwhile collapse into it, so a burst of votes
// makes one edit and the last state always lands.
type Pacer interface {
	EditInterval() time.Duration
}

// Unreacter is optional: a platform on which the helpdesk can take its own
// reaction off a post does so when the post stops being a ballot, so that
// only the ballot of the round in progress carries the vote emoji.
type Unreacter interface {
	Unreact(ctx context.Context, ref string, emoji string) error
}

// Rereader is optional: a platform on which a reaction to a post can reach
// the helpdesk before the post's reference does (the post is shown to
// people as soon as it is made, and its reaction events travel apart from
// the answer to the call that made it) reads the reactions on the post
// again once the helpdesk has recorded it.
type Rereader interface {
	// Reread schedules a read of the reactions on post ref, just recorded,
	// handed to Service.Reconcile in order with the platform's live
	// reaction events, so that a stale read does not undo a newer event.
	// It does not wait for the read. A read that fails is left to the
	// reconcile after the next (re)connect, which reads every watched post.
	Reread(ctx context.Context, ref string)
}

// Archiver is optional: a platform whose threads can be archived archives
// the thread of a closed case.
type Archiver interface {
	Archive(ctx context.Context, thread string) error
}

// Renamer is optional: a platform whose threads have a name of their own
// (Discord's thread channels; a Mattermost thread is its first post) names
// a case's thread again, from the state, when its title was erased.
type Renamer interface {
	Rename(ctx context.Context, thread string, name Message) error
}

// RetryAfterer is optional on a Chat's error: the platform said how long to
// wait before trying again (a 429's Retry-After), and the outbox waits at
// least that long.
type RetryAfterer interface {
	RetryAfter() time.Duration
}

// Errors a Chat returns.
var (
	ErrGone        = errors.New("gone from the platform")
	ErrForbidden   = errors.New("forbidden by the platform")
	ErrUnreachable = errors.New("person cannot be reached privately")
)

// Clock tells the time. Tests and the shell use a clock they move by hand.
type Clock interface {
	Now() time.Time
}

// Languages matches what people and platforms ask for against the languages
// the helpdesk speaks.
type Languages interface {
	// Match returns the supported language tag that best serves code (a
	// BCP 47 tag or an Accept-Language list), with regional fallbacks; ok
	// is false when no supported language is close enough.
	Match(code string) (tag string, ok bool)
	// Supported lists the supported language tags.
	Supported() []string
	// Autonym is the name of a supported language in itself ("Svenska").
	Autonym(tag string) string
	// IsWord reports whether typed is the word of message id ("word.page",
	// a word people type after a command) in English or in lang, whatever
	// its case and accents.
	IsWord(lang, id, typed string) bool
}

// Store keeps the state of the helpdesk. Update runs fn in one write
// transaction (committed when fn returns nil, rolled back otherwise); View
// runs fn on a consistent read-only snapshot. Writers never see
// ErrBusy from one another; ErrBusy means another process held the
// database for longer than the store would wait.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
}

// Errors a Store returns.
var (
	ErrNotFound = errors.New("not found")
	ErrStale    = errors.New("stale: the case changed meanwhile")
	ErrBusy     = errors.New("database busy")
)

// CaseFilter selects cases; zero fields match everything.
type CaseFilter struct {
	Requester UserID
	Platform  string
	Stage     Stage
	OpenOnly  bool
	// UpdatedSince keeps the cases last changed at or after it.
	UpdatedSince time.Time
}

// HeldReaction is a reaction a person holds on a post. Seq orders reactions
// by the time they were first added: a person's vote is the vote reaction
// with the highest Seq they still hold.
type HeldReaction struct {
	User  UserID
	Emoji string
	Seq   int64
	// Carried marks a reaction moved from a post that was deleted on the
	// platform and posted again: it counts, but the platform no longer
	// shows it, so a reconcile leaves it alone.
	Carried bool
}

// Tx is one transaction on the store. Methods return ErrNotFound for a
// missing row and wrap any other failure.
type Tx interface {
	// CreateCase stores a new case and sets c.ID.
	CreateCase(c *Case) error
	Case(id int64) (Case, error)
	// UpdateCase writes the mutable fields of c (Stage, Outcome, Round,
	// Rating, Owner, UpdatedAt, ClosedAt, ClosedFrom), provided the case is still in stage from;
	// otherwise it returns ErrStale and writes nothing.
	UpdateCase(c Case, from Stage) error
	// Cases lists the cases that match f, oldest first.
	Cases(f CaseFilter) ([]Case, error)
	// CaseByThread finds the case whose thread has the given reference.
	CaseByThread(platform, thread string) (Case, error)

	AppendEvent(e Event) error
	// Events lists a case's events in order; caseID 0 lists every event.
	Events(caseID int64) ([]Event, error)

	Member(id UserID) (Member, error)
	// PutMember records a person's name, locale and roles; it leaves the
	// language they chose untouched.
	PutMember(m Member) error
	// SetLang records the language a person chose.
	SetLang(id UserID, lang string) error
	// Members lists the people known on a platform.
	Members(platform string) ([]Member, error)
	// EventsBy lists the events a person made, in every case, in order.
	EventsBy(actor UserID) ([]Event, error)
	// VotesBy lists a person's recorded votes.
	VotesBy(voter UserID) ([]Vote, error)
	// LettersFrom lists the mails received from a sender, by time.
	LettersFrom(sender UserID) ([]LetterRecord, error)
	// Erase replaces a person by a pseudonym and clears the content of
	// cases, as e says, and returns how many rows it changed or deleted.
	Erase(e Erasure) (int64, error)
	// DeleteFiles deletes the files of the cases closed before the given
	// moment and returns how many.
	DeleteFiles(closedBefore time.Time) (int64, error)
	// PruneOutbox deletes the outbox's items performed or given up before
	// the given moment and returns how many.
	PruneOutbox(before time.Time) (int64, error)
	// AddLinkCode keeps the hash of a one-time code that links another
	// identity to user, valid until expires; user keeps at most keep.
	AddLinkCode(hash string, user UserID, at, expires time.Time, keep int) error
	// TakeLinkCode spends a link code and returns whose it was:
	// ErrNotFound when it is unknown, spent or expired at now.
	TakeLinkCode(hash string, now time.Time) (UserID, error)
	// Link makes two identities one person (Member.Also), with every
	// identity either was linked to.
	Link(a, b UserID, at time.Time) error
	// Unlink takes an identity out of its person and reports whether it
	// was linked.
	Unlink(id UserID) (bool, error)
	// ErasableCases lists up to limit closed cases, not yet erased, that
	// were closed before the given moment, oldest first.
	ErasableCases(closedBefore time.Time, limit int) ([]Case, error)
	// FilesFrom lists, without their bytes, the files that came with a
	// sender's mails.
	FilesFrom(sender UserID) ([]Attachment, error)
	// AddAttachment keeps a file that came with a mail and sets a.ID.
	AddAttachment(a *Attachment) error
	// Attachments lists a case's files, without their bytes, by id.
	Attachments(caseID int64) ([]Attachment, error)
	// Attachment reads one file of a case with its bytes, or ErrNotFound.
	Attachment(caseID, id int64) (Attachment, error)
	// Letter is what became of the mail with this Message-ID, or
	// ErrNotFound when it was never received.
	Letter(messageID string) (LetterRecord, error)
	// AddLetter records a mail received; false when it was already.
	AddLetter(r LetterRecord) (bool, error)
	// LettersSince counts the mails from sender since then (new cases by
	// mail are capped per sender and hour).
	LettersSince(sender UserID, since time.Time, outcome string) (int, error)
	// SetDigest records the hour (0–23, the helpdesk's time zone) a
	// person's daily digest is sent at; -1 sends none.
	SetDigest(id UserID, hour int) error
	// Digest is that hour, -1 for none (and for someone unknown).
	Digest(id UserID) (int, error)

	OpenRound(r Round) error
	Round(caseID int64, n int) (Round, error)
	// UpdateRound writes Closed, Result and Escalated.
	UpdateRound(r Round) error
	// SaveVotes records the votes that decided a round.
	SaveVotes(votes []Vote) error
	// Votes lists the recorded votes of a case, by round.
	Votes(caseID int64) ([]Vote, error)

	// AddReaction records that user holds emoji on a post; it reports
	// false when they already did (nothing changes).
	AddReaction(platform, ref string, user UserID, emoji string) (bool, error)
	// RemoveReaction forgets it; false when there was nothing to forget.
	RemoveReaction(platform, ref string, user UserID, emoji string) (bool, error)
	// Reactions lists the reactions held on a post, by Seq.
	Reactions(platform, ref string) ([]HeldReaction, error)
	// MoveReactions moves the reactions held on post from to post to (the
	// same post, posted again), marking them Carried.
	MoveReactions(platform, from, to string) error

	// PutPost records (or replaces) the platform reference of a named post.
	PutPost(p Post) error
	Post(caseID int64, name PostName) (Post, error)
	// PlatformPosts lists a case's posts on a platform, in the order they
	// were first recorded.
	PlatformPosts(caseID int64, platform string) ([]Post, error)
	// PostByRef finds a post by its platform reference, with its case (a
	// reaction needs both).
	PostByRef(platform, ref string) (Post, Case, error)

	// Enqueue adds work to the outbox and sets it.ID. When it.Collapse is
	// set and a pending item with the same key has not been tried yet, that
	// item stands for both and nothing is added (it.ID is set to its id):
	// collapsing items are refreshes of a post, rendered from the state at
	// delivery, so one pending refresh always shows the latest state.
	Enqueue(it *Item) error
	// Pending lists up to limit items of a platform that are due at now,
	// oldest first, leaving out any item of a case that has an older
	// pending item not yet due (the work of a case is done in order),
	// other than an edit: nothing waits for a refresh.
	Pending(platform string, now time.Time, limit int) ([]Item, error)
	// Take marks an item as being performed: it no longer stands for later
	// items with its Collapse key (a refresh being sent shows the state it
	// read; a change after that needs a refresh of its own).
	Take(id int64) error
	// Done marks an item performed.
	Done(id int64) error
	// Retry puts an item off until next, counting the attempt.
	Retry(id int64, next time.Time, reason string) error
	// Fail gives an item up.
	Fail(id int64, reason string) error

	AddTimer(t Timer) error
	// DueTimers lists unfired timers due at now, earliest first.
	DueTimers(now time.Time) ([]Timer, error)
	// FireTimer marks a timer fired; false when it already was.
	FireTimer(id int64) (bool, error)
	// CancelTimers drops the unfired timers of a case's round.
	CancelTimers(caseID int64, round int) error
	// EndWait ends a case's wait of a kind about subject: its timers,
	// fired or not, are cancelled (a fired one no longer counts as
	// overdue). An empty subject ends every subject of the kind.
	EndWait(caseID int64, kind TimerKind, subject string) error
	// EndWaits ends every wait of a case (it closed).
	EndWaits(caseID int64) error
	// Waiting lists the timers of a case not cancelled (fired or not), by
	// due time: its waits and where they stand.
	Waiting(caseID int64) ([]Timer, error)
	// Overdue lists the waits of open cases gone past their first
	// reminder, by case: of case caseID, or of every case for 0.
	Overdue(caseID int64) ([]Wait, error)
	// NextTimer is the earliest unfired timer of a kind and subject with
	// no case (a digest), or ErrNotFound.
	NextTimer(kind TimerKind, subject string) (Timer, error)
	// CancelPersonTimers cancels the unfired timers of a kind and subject
	// with no case.
	CancelPersonTimers(kind TimerKind, subject string) error

	// Assign routes a case to a group; false when it already was.
	Assign(a Assignment) (bool, error)
	// Assignments lists a case's groups in routing order, with claimers.
	Assignments(caseID int64) ([]Assignment, error)
	// Claim records that user took the case for group; false if they had.
	Claim(caseID int64, group string, user UserID, at time.Time) (bool, error)
	Recommend(caseID int64, group string, user UserID, text string, at time.Time) error
	// ClearRecommendations sends every group of a case back to work.
	ClearRecommendations(caseID int64) error

	PutVolunteer(v Volunteer) error
	Volunteers() ([]Volunteer, error)

	// FirstNotice records that user was told key at at; false when they
	// had been. keep is how long the record matters: once it is over the
	// record may be forgotten, and the notice is then new again; zero
	// keeps it forever (a notice told once ever).
	FirstNotice(user UserID, key string, at time.Time, keep time.Duration) (bool, error)

	// SetReachable records whether the last private message to user
	// reached them; Reachable reads it (true when nothing failed).
	SetReachable(user UserID, reachable bool, at time.Time) error
	Reachable(user UserID) (bool, error)

	// Tallies reads the figures of /helpdesk stats from counts the store
	// keeps (not from the cases' texts nor the event log).
	Tallies() (Tallies, error)

	// The read side's queries (read.go): each one indexed query or a
	// few, however large the database grows.

	// CasePage reads one page of the cases that match q, and how many
	// match.
	CasePage(q CaseQuery) ([]CaseRow, int, error)
	// Stats reads the statistics of the cases filed from the month of
	// from on, to now.
	Stats(from, now time.Time) (Stats, error)
	// Figures reads the operators' figures at now.
	Figures(now time.Time) (Figures, error)

	// Sign-in links and sessions of the dashboard (signin.go), known by
	// the hash of their secret (SecretHash).

	// AddSignIn records a one-time link for user, valid until expires,
	// and drops their oldest live links beyond keep.
	AddSignIn(hash string, user UserID, at, expires time.Time, keep int) error
	// SignInLink reads a link; ErrNotFound when there is none.
	SignInLink(hash string) (SignInLink, error)
	// UseSignIn marks a link used.
	UseSignIn(hash string, at time.Time) error
	// StartSession records a session of user, valid until expires, and
	// ends their oldest open sessions beyond keep. Links and sessions
	// long past their time are forgotten.
	StartSession(hash string, user UserID, at, expires time.Time, keep int) error
	// Session returns the person of the open session hash; ErrNotFound
	// when there is none (unknown, ended, expired).
	Session(hash string, now time.Time) (UserID, error)
	// EndSession ends the open session whose hash is match, or begins
	// with it (a SessionInfo.ID), of a person of platform ("" for any);
	// by is who ended it. It reports whether one was open.
	EndSession(match string, by UserID, platform string, now time.Time) (bool, error)
	// Sessions lists a page of the open sessions of platform's people,
	// newest first, and how many there are.
	Sessions(platform string, now time.Time, offset, limit int) ([]SessionInfo, int, error)

	// Installation is the database's own random id, made with it: no two
	// databases share one, so keys made of it and a row id are unique
	// across databases and instances.
	Installation() (string, error)
}

// Tallies are the figures of the whole helpdesk: the cases in each stage,
// the closed ones by outcome, and for each step the time from the request
// to it of every case that reached it (the initial feedback, the final go,
// the resolution).
type Tallies struct {
	Stages                     map[Stage]int
	Outcomes                   map[Outcome]int
	Initial, FinalGo, Resolved []time.Duration
}

// Op is the kind of work in the outbox.
type Op string

// The kinds of outbox work.
const (
	OpPost    Op = "post"    // post Message to Place; record the reference as Name
	OpThread  Op = "thread"  // start the case's thread on post Name
	OpEdit    Op = "edit"    // refresh post Name: render it from the state at delivery
	OpReact   Op = "react"   // add Emoji to post Name
	OpUnreact Op = "unreact" // take the helpdesk's Emoji off post Name (Unreacter)
	OpInvite  Op = "invite"  // add User to the case's thread
	OpArchive Op = "archive" // the case is closed: the platform may archive its thread
	OpRename  Op = "rename"  // name the case's thread again from the state (Renamer)
)

// Item is work for a platform that a state change requires, written in the
// same transaction as the change and performed after the commit.
type Item struct {
	ID       int64
	Platform string
	CaseID   int64
	Op       Op
	Name     PostName // the post this item creates (post, thread) or acts on
	Place    Place
	Message  Message
	Emoji    string
	User     UserID
	Collapse string // items with the same key collapse into the latest
	Attempts int
	Created  time.Time
	Due      time.Time // when to do it; zero means at once (Created)
	// Forget empties the item's message and place once it is performed
	// or given up: it names someone whose data is being erased.
	Forget bool
}

// Meter counts what the helpdesk does, for the people who run it (the
// Prometheus metrics of the operators' HTTP server). The core calls it once
// what it counts has been committed, outside any transaction: a change
// rolled back and tried again is counted once. Its methods must be cheap
// and must not block; a nil Config.Meter counts nothing.
type Meter interface {
	// Event counts an event appended to a case's log.
	Event(t EventType)
	// Vote counts a vote reaction: counted, or refused and why.
	Vote(r VoteResult)
	// Delivery counts one attempt at outbox work and how it ended.
	Delivery(platform string, op Op, r DeliveryResult)
}

// PlatformMeter counts what only a platform's adapter sees, for the same
// metrics as Meter. Its methods must be cheap and must not block. An
// adapter given none counts nothing (NoPlatformMeter).
type PlatformMeter interface {
	// RateLimited counts an answer 429 and the wait the platform asked.
	RateLimited(wait time.Duration)
	// Acked records how long a command or form took to be acknowledged.
	Acked(took time.Duration)
	// Reconciled records a reading of every ballot's reactions again:
	// how long it took and how many reactions it read.
	Reconciled(took time.Duration, reactions int)
}

// NoPlatformMeter counts nothing.
var NoPlatformMeter PlatformMeter = noMeter{}

// VoteResult is what became of a vote reaction.
type VoteResult string

// The results of a vote reaction. Each but VoteCounted is a refusal.
const (
	VoteCounted      VoteResult = "counted"       // added to or taken off the tally
	VoteNotCommittee VoteResult = "not_committee" // the person is not on the committee
	VoteRequester    VoteResult = "requester"     // the requester may not vote on their own case
	VoteOldRound     VoteResult = "old_round"     // on the ballot of a round that is over
	VoteNoReview     VoteResult = "not_in_review" // the case is not under review
)

// VoteResults lists every VoteResult, counted first.
var VoteResults = []VoteResult{VoteCounted, VoteNotCommittee, VoteRequester, VoteOldRound, VoteNoReview}

// DeliveryResult is how one attempt at outbox work ended.
type DeliveryResult string

// The results of a delivery attempt.
const (
	Delivered      DeliveryResult = "done"     // the platform did it
	DeliveryRedone DeliveryResult = "redone"   // its post was gone: made again
	DeliveryRetry  DeliveryResult = "retried"  // a passing failure: tried again later
	DeliveryGaveUp DeliveryResult = "given_up" // failed for good, or too often
)

// DeliveryResults lists every DeliveryResult.
var DeliveryResults = []DeliveryResult{Delivered, DeliveryRedone, DeliveryRetry, DeliveryGaveUp}

// Ops lists every Op.
var Ops = []Op{OpPost, OpThread, OpEdit, OpReact, OpUnreact, OpInvite, OpArchive}

// noMeter counts nothing.
type noMeter struct{}

func (noMeter) Event(EventType)                     {}
func (noMeter) Vote(VoteResult)                     {}
func (noMeter) Delivery(string, Op, DeliveryResult) {}
func (noMeter) RateLimited(time.Duration)           {}
func (noMeter) Acked(time.Duration)                 {}
func (noMeter) Reconciled(time.Duration, int)       {}
