// Package bot is the helpdesk itself: cases, the committee's votes, the
// working groups, support, and the ports through which it reaches a chat
// platform (Chat), its store (Store, Tx), the time (Clock) and its
// languages (Languages). It imports no platform library and no driver;
// adapters/ turn platforms' events into calls of Service and the core's
// requests into API calls.
//
// # A vote, from a click to the card
//
// A committee member adds ✅ to a case's card on Mattermost:
//
//  1. adapters/mattermost/ws.go reads reaction_added from the WebSocket
//     and calls Service.ReactionAdded with a Reaction in the core's words
//     (the post's reference, the person's "mattermost:…" id, the emoji).
//  2. events.go: ReactionAdded opens one write transaction (Service.update,
//     service.go) and reaction finds the post by its reference
//     (Tx.PostByRef) and, for a card or a ballot ("card", "vote/N"), hands
//     it to vote.
//  3. workflow.go: vote checks the person may vote (the committee of the
//     case's platform, not its requester, the round still open: each
//     refusal is a VoteResult), records the reaction as held (a set, so a
//     replayed event changes nothing) and weighs the ballot: readBallot
//     builds the Ballot (each voter's latest vote emoji), and Rule.Decide
//     (rules.go) applies quorum, majority, deadline and the chair. A
//     verdict goes to decide, which moves the case (Tx.UpdateCase, checked
//     against the stage it was read in), appends the events, and opens
//     the next stage.
//  4. Whatever the chat must now show — the card's tally refreshed, a
//     message in the thread, a direct message — is enqueued as outbox
//     Items (service.go: post, edit, enqueue) in the same transaction.
//     When it commits, the vote, its event and its chat work exist
//     together or not at all; the Meter counts it after the commit.
//  5. outbox.go: the worker (Run, Deliver) performs the items in order
//     per case through the platform's Chat, with an idempotency key made
//     of the installation's id and the item's, marks each done, and
//     retries what failed for a passing reason (429, 500) later.
//
// Deadlines and reminders are Timer rows; Tick fires those due, once,
// even after a restart. A reconnecting adapter reads every open ballot's
// reactions again and hands them to Reconcile, so that nothing said while
// the bot was away is lost.
//
// # The read side
//
// Whoever reads — /helpdesk status, history, list, stats in chat, or any
// page of the dashboard — is asked about in rights.go, the one rule of who
// may see what; read.go and signin.go are the dashboard's queries (a
// page of cases, a case, the statistics, exports, sign-in and sessions),
// each taking the viewer and returning only what they may see.
package bot
