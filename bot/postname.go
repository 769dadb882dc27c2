package bot

import (
	"strconv"
	"strings"
)

// PostName is a post's role in its case, the name under which the store
// keeps its platform reference: from it the core knows what a reaction on
// the post means and how to make the post again. The names are stored;
// they never change meaning.
type PostName string

// The posts of a case that there is one of.
const (
	PostCard    PostName = "card"    // the case's card in the committee channel, the first round's ballot
	PostThread  PostName = "thread"  // the case's thread, started on the card
	PostRouting PostName = "routing" // the routing message in the thread
	PostRating  PostName = "rating"  // the request to rate the help, to the requester
	// NoPost is a message that is not kept: nothing refers to it later
	// (a direct message that only tells).
	NoPost PostName = ""
)

const (
	votePrefix  = "vote/"
	groupPrefix = "group/"
)

// VotePost names the ballot of round n posted in the case's thread (the
// rounds after the first; the first is the card).
func VotePost(n int) PostName { return PostName(votePrefix + strconv.Itoa(n)) }

// GroupPost names the card of a case in working group g's channel.
func GroupPost(g string) PostName { return PostName(groupPrefix + g) }

// Round is the round whose ballot in the thread p is (VotePost).
func (p PostName) Round() (int, bool) {
	s, ok := strings.CutPrefix(string(p), votePrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// Group is the working group whose card p is (GroupPost).
func (p PostName) Group() (string, bool) {
	g, ok := strings.CutPrefix(string(p), groupPrefix)
	return g, ok && g != ""
}

// Ballot reports whether people vote on p with reactions: the card, or a
// round's ballot in the thread.
func (p PostName) Ballot() bool {
	_, vote := p.Round()
	return p == PostCard || vote
}

// TakesReactions reports whether people's reactions on p mean something:
// a ballot, the routing message, a group's card, the rating request.
func (p PostName) TakesReactions() bool {
	_, group := p.Group()
	return p.Ballot() || p == PostRouting || p == PostRating || group
}
