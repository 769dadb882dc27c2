package discord

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/wmse/helpdesk/bot"
)

// customPrefix begins the custom id of every modal the helpdesk opens:
// "helpdesk:request:media-upload", "helpdesk:volunteer". The id is all a
// submission needs, so a modal opened before a restart works after it.
const customPrefix = "helpdesk:"

// formTimeout bounds the core's answer to request and volunteer, which
// must come as the first response (a modal) within Discord's 3 seconds.
const formTimeout = 2 * time.Second

// interaction handles one interaction; it runs in its own goroutine.
func (a *Adapter) interaction(ctx context.Context, i *discordgo.Interaction) {
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		a.command(ctx, i)
	case discordgo.InteractionModalSubmit:
		a.modalSubmit(ctx, i)
	}
}

// invocation is the person behind an interaction, as the core wants it.
func (a *Adapter) invocation(ctx context.Context, i *discordgo.Interaction) bot.Invocation {
	inv := bot.Invocation{Locale: string(i.Locale), Thread: i.ChannelID}
	switch {
	case i.Member != nil && i.Member.User != nil:
		inv.User = userID(i.Member.User.ID)
		inv.Name = displayName(i.Member)
		if i.GuildID == a.cfg.GuildID {
			r := a.roles(i.Member.Roles)
			inv.Roles = &r
			a.mu.Lock()
			a.known[i.Member.User.ID] = true
			a.mu.Unlock()
		}
	case i.User != nil:
		inv.User = userID(i.User.ID)
		inv.Name = i.User.GlobalName
		if inv.Name == "" {
			inv.Name = i.User.Username
		}
		a.ensureKnown(ctx, i.User.ID)
	}
	return inv
}

// command handles /helpdesk SUBCOMMAND and /case SUBCOMMAND alike: the
// subcommand is the core's command. request and volunteer answer with
// their modal (which must be the first response); every other subcommand
// is acknowledged at once with a deferred private reply, then answered.
func (a *Adapter) command(ctx context.Context, i *discordgo.Interaction) {
	data := i.ApplicationCommandData()
	if !slices.Contains(topCommands, data.Name) {
		return
	}
	line, caseID := commandLine(data.Options)
	sub, _, _ := strings.Cut(line, " ")
	if sub == "request" || sub == "volunteer" {
		a.form(ctx, i, line)
		return
	}
	if !a.defer_(ctx, i) {
		return
	}
	inv := a.invocation(ctx, i)
	inv.Case = caseID
	resp := a.svc.Command(ctx, inv, line)
	a.answer(ctx, i, resp.Reply)
}

// form answers request and volunteer with their modal, which must be the
// interaction's first answer, within Discord's 3 seconds (it cannot follow
// a deferral). Nothing durable comes before it: the core is asked for the
// form as the person it knows (an invocation that tells it nothing new,
// so it writes nothing, only reads their open cases), in the language the
// interaction's locale gives; a write would queue behind every vote being
// written. What the interaction tells of the person (name, locale, roles;
// in a DM, the roles fetched from the server) is recorded after the
// answer, by the same command as it is: the core records an invoker as
// part of a command, and these two only read besides.
func (a *Adapter) form(ctx context.Context, i *discordgo.Interaction, line string) {
	fctx, cancel := context.WithTimeout(ctx, formTimeout)
	bare := bot.Invocation{User: a.invoker(i), Thread: i.ChannelID}
	lang := a.svc.LangOf(fctx, bare.User, string(i.Locale))
	resp := a.svc.Command(fctx, bare, line)
	cancel()
	if resp.Form != nil {
		f := *resp.Form
		f.Lang = lang
		a.respond(ctx, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: a.modal(&f)})
	} else {
		reply := resp.Reply
		if reply != nil {
			r := *reply
			r.Lang = lang
			reply = &r
		}
		a.respond(ctx, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: a.replyData(reply)})
	}
	a.svc.Command(ctx, a.invocation(ctx, i), line)
}

// invoker is the helpdesk id of the person behind an interaction.
func (a *Adapter) invoker(i *discordgo.Interaction) bot.UserID {
	switch {
	case i.Member != nil && i.Member.User != nil:
		return userID(i.Member.User.ID)
	case i.User != nil:
		return userID(i.User.ID)
	}
	return ""
}

// modalSubmit hands a submitted modal to the core. Discord cannot show an
// error beside a field, so the core's reply (which lists them) answers.
func (a *Adapter) modalSubmit(ctx context.Context, i *discordgo.Interaction) {
	data := i.ModalSubmitData()
	sub, ok := parseCustomID(data.CustomID)
	if !ok {
		// The answer is the first response: within Discord's 3 seconds
		// even when the person must be fetched first (in a DM).
		fctx, cancel := context.WithTimeout(ctx, formTimeout)
		lang := a.svc.LangOf(fctx, a.invocation(fctx, i).User, string(i.Locale))
		cancel()
		msg := &bot.Message{Lang: lang, Lines: []bot.Text{bot.T("form.expired", "cmd", bot.Cmd("request"))}}
		a.respond(ctx, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: a.replyData(msg)})
		return
	}
	if !a.defer_(ctx, i) {
		return
	}
	sub.Values = map[string]string{}
	// The interaction's id names this submission: delivered again (after a
	// resume), it opens no second case.
	sub.Key = "discord/" + i.ID
	for _, c := range data.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, rc := range row.Components {
			if in, ok := rc.(*discordgo.TextInput); ok {
				sub.Values[in.CustomID] = in.Value
			}
		}
	}
	resp := a.svc.Submit(ctx, a.invocation(ctx, i), sub)
	a.answer(ctx, i, resp.Reply)
}

// parseCustomID reads a modal's custom id back into a submission.
func parseCustomID(id string) (bot.Submission, bool) {
	rest, ok := strings.CutPrefix(id, customPrefix)
	if !ok {
		return bot.Submission{}, false
	}
	kind, typ, _ := strings.Cut(rest, ":")
	switch bot.FormKind(kind) {
	case bot.RequestForm:
		return bot.Submission{Kind: bot.RequestForm, Type: bot.RequestType(typ)}, typ != ""
	case bot.VolunteerForm:
		return bot.Submission{Kind: bot.VolunteerForm}, true
	}
	return bot.Submission{}, false
}

// customID is the custom id of a form's modal.
func customID(f *bot.Form) string {
	if f.Kind == bot.RequestForm {
		return customPrefix + string(f.Kind) + ":" + string(f.Type)
	}
	return customPrefix + string(f.Kind)
}

// modal is a form as a Discord modal, within Discord's limits: a title and
// labels of at most 45 characters, five rows, inputs of at most 4000.
func (a *Adapter) modal(f *bot.Form) *discordgo.InteractionResponseData {
	title := a.say(f.Lang, f.Title)
	if utf8.RuneCountInString(title) > maxModalTitle {
		short := bot.T("form.request.short")
		if f.Kind == bot.VolunteerForm {
			short = bot.T("form.volunteer.short")
		}
		title = a.say(f.Lang, short)
	}
	d := &discordgo.InteractionResponseData{CustomID: customID(f), Title: cut(title, maxModalTitle)}
	for n, fld := range f.Fields {
		if n == maxModalRows {
			a.log.Error("discord: a form has more fields than a modal shows", "form", f.Kind, "fields", len(f.Fields))
			break
		}
		style := discordgo.TextInputShort
		if fld.Long {
			style = discordgo.TextInputParagraph
		}
		maxLen := fld.MaxLen
		if maxLen <= 0 || maxLen > maxInputLength {
			maxLen = maxInputLength
		}
		in := discordgo.TextInput{
			CustomID:  fld.Name,
			Label:     cut(a.say(f.Lang, fld.Label), maxModalLabel),
			Style:     style,
			Required:  fld.Required,
			MaxLength: maxLen,
		}
		if !fld.Help.IsZero() {
			in.Placeholder = cut(a.say(f.Lang, fld.Help), maxPlaceholder)
		}
		d.Components = append(d.Components, discordgo.ActionsRow{Components: []discordgo.MessageComponent{in}})
	}
	return d
}

// receivedKey marks the context of an interaction with the time its event
// came from the gateway, from which its acknowledgement is measured.
type receivedKey struct{}

// respond sends an interaction's first response: its acknowledgement.
func (a *Adapter) respond(ctx context.Context, i *discordgo.Interaction, r *discordgo.InteractionResponse) bool {
	err := a.call(ctx, "respond", func(opts ...discordgo.RequestOption) error {
		return a.s.InteractionRespond(i, r, opts...)
	})
	if err != nil && codeOf(err) != codeAlreadyAcknowledged {
		a.log.Error("discord: answer an interaction", "err", err)
		return false
	}
	// An "already acknowledged" means an earlier try (whose answer was
	// lost, and which discordgo sent again) got through.
	if at, ok := ctx.Value(receivedKey{}).(time.Time); ok {
		a.cfg.Metrics.Acked(time.Since(at))
	}
	return true
}

// defer_ acknowledges an interaction with a private "thinking…" that the
// answer replaces.
func (a *Adapter) defer_(ctx context.Context, i *discordgo.Interaction) bool {
	return a.respond(ctx, i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	})
}

// replyText renders a private reply, in parts of at most 2000 characters.
func (a *Adapter) replyText(m *bot.Message) []string {
	if m == nil {
		return []string{"…"}
	}
	st := a.style(nil)
	var lines []string
	if !m.Title.IsZero() {
		lines = append(lines, "**"+a.cat.Text(m.Lang, m.Title, st)+"**")
	}
	for _, l := range m.Lines {
		lines = append(lines, links(a.cat.Text(m.Lang, l, st)))
	}
	for _, f := range m.Fields {
		lines = append(lines, a.cat.Text(m.Lang, f.Label, st)+": "+links(a.cat.Text(m.Lang, f.Value, st)))
	}
	text := strings.Join(lines, "\n")
	if strings.TrimSpace(text) == "" {
		text = "…"
	}
	return split(text, maxContent, a.say(m.Lang, bot.T("card.continued")))
}

// replyData is a private reply as an immediate response.
func (a *Adapter) replyData(m *bot.Message) *discordgo.InteractionResponseData {
	return &discordgo.InteractionResponseData{
		Content:         a.replyText(m)[0],
		Flags:           discordgo.MessageFlagsEphemeral,
		AllowedMentions: allowed(nil),
	}
}

// answer replaces a deferred response with the core's reply; a reply
// beyond 2000 characters continues in private follow-ups.
func (a *Adapter) answer(ctx context.Context, i *discordgo.Interaction, m *bot.Message) {
	parts := a.replyText(m)
	err := a.call(ctx, "answer", func(opts ...discordgo.RequestOption) error {
		_, err := a.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &parts[0], AllowedMentions: allowed(nil)}, opts...)
		return err
	})
	if err != nil {
		a.log.Error("discord: answer an interaction", "err", err)
		return
	}
	for _, p := range parts[1:] {
		err := a.call(ctx, "follow up", func(opts ...discordgo.RequestOption) error {
			_, err := a.s.FollowupMessageCreate(i, false, &discordgo.WebhookParams{Content: p, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: allowed(nil)}, opts...)
			return err
		})
		if err != nil {
			a.log.Error("discord: answer an interaction", "err", err)
			return
		}
	}
}

// commandLine turns a subcommand and its options into the line the core
// reads ("ask Which licence?") and the case the case option names (0 when
// none: inside a case's thread the core takes that case). The case goes
// apart, so that text beginning with a number is never read as one.
func commandLine(opts []*discordgo.ApplicationCommandInteractionDataOption) (string, int64) {
	if len(opts) == 0 {
		return "help", 0
	}
	sub := opts[0]
	parts := []string{sub.Name}
	var caseID int64
	for _, o := range sub.Options {
		v := optionValue(o)
		if v == "" {
			continue
		}
		if o.Name == optCase {
			if n, err := strconv.ParseInt(strings.TrimPrefix(v, "#"), 10, 64); err == nil {
				caseID = n
				continue
			}
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, " "), caseID
}

// optionValue is an option's value as text (integers arrive as float64).
func optionValue(o *discordgo.ApplicationCommandInteractionDataOption) string {
	switch v := o.Value.(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatInt(int64(v), 10)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	}
	return fmt.Sprint(o.Value)
}
