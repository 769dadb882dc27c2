package discord

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/wmse/helpdesk/bot"
)

// commandName is the one command the helpdesk registers; the core's
// subcommands are its subcommands.
const commandName = "helpdesk"

// optCase is the option that names a case by its number.
const optCase = "case"

// option is an option of a subcommand: its name, its description's
// message, whether it must be given, and its kind.
type option struct {
	name     string
	desc     string
	required bool
	kind     discordgo.ApplicationCommandOptionType
	choices  func(a *Adapter) []choice
	min, max float64
}

// choice is a fixed value of an option, named by a message.
type choice struct {
	value string
	name  bot.Text
}

var (
	caseOpt = option{name: optCase, desc: "option.case", kind: discordgo.ApplicationCommandOptionInteger, min: 1}
	// confirmOpt confirms a withdrawal. Its one choice is the word the
	// core takes as the confirmation (the English one, which it always
	// understands); without it a withdrawal only says what it would do.
	confirmOpt = option{name: "confirm", desc: "option.confirm", kind: discordgo.ApplicationCommandOptionString, choices: func(*Adapter) []choice {
		return []choice{{"confirm", bot.T("option.confirm.yes")}}
	}}
	text = func(name, desc string) option {
		return option{name: name, desc: desc, required: true, kind: discordgo.ApplicationCommandOptionString}
	}
)

// options are the options of each subcommand. Required options come first,
// as Discord wants; the case number may be left out inside a case's thread.
var options = map[string][]option{
	"request": {{name: "type", desc: "option.type", required: true, kind: discordgo.ApplicationCommandOptionString, choices: func(*Adapter) []choice {
		var cs []choice
		for _, t := range bot.RequestTypes {
			cs = append(cs, choice{string(t), bot.T("type." + string(t))})
		}
		return cs
	}}},
	"status":  {caseOpt},
	"history": {caseOpt},
	"list": {{name: "stage", desc: "option.stage", kind: discordgo.ApplicationCommandOptionString, choices: func(*Adapter) []choice {
		var cs []choice
		for _, s := range bot.Stages {
			cs = append(cs, choice{string(s), bot.T("stage." + string(s))})
		}
		return cs
	}}},
	"language":  {{name: "language", desc: "option.language", kind: discordgo.ApplicationCommandOptionString}},
	"experts":   {{name: "topic", desc: "option.topic", kind: discordgo.ApplicationCommandOptionString}},
	"guides":    {{name: "topic", desc: "option.topic", kind: discordgo.ApplicationCommandOptionString}},
	"ask":       {text("question", "option.question"), caseOpt},
	"answer":    {text("answer", "option.answer"), caseOpt},
	"route":     {text("groups", "option.groups"), caseOpt},
	"claim":     {caseOpt},
	"recommend": {text("recommendation", "option.recommendation"), caseOpt},
	"decide": {{name: "choice", desc: "option.choice", required: true, kind: discordgo.ApplicationCommandOptionString, choices: func(*Adapter) []choice {
		var cs []choice
		for _, c := range append(bot.ChoicesOf(bot.InitialRound), bot.ChoicesOf(bot.FinalRound)...) {
			cs = append(cs, choice{string(c), bot.T("choice." + string(c))})
		}
		return cs
	}}, {name: "reason", desc: "option.decision_reason", kind: discordgo.ApplicationCommandOptionString}, caseOpt},
	"resolve": {text("summary", "option.summary"), caseOpt},
	"rate": {{name: "rating", desc: "option.rating", required: true, kind: discordgo.ApplicationCommandOptionInteger, min: 1, max: 5},
		{name: "comment", desc: "option.rating_comment", kind: discordgo.ApplicationCommandOptionString}, caseOpt},
	"withdraw": {caseOpt, confirmOpt},
	"close":    {text("reason", "option.reason"), caseOpt},
	"take":     {caseOpt},
	"reply":    {text("text", "option.reply"), caseOpt},
	// The colleague by Discord's user picker: its value is the id, which
	// the core matches as the person's local id.
	"assign": {{name: "who", desc: "option.staff", required: true, kind: discordgo.ApplicationCommandOptionUser}, caseOpt},
	"note":   {text("note", "option.note"), caseOpt},
	"reason": {text("reason", "option.decision_reason"), caseOpt},
	"reopen": {text("reason", "option.reopen_reason"), caseOpt},
	"digest": {{name: "state", desc: "option.digest", required: true, kind: discordgo.ApplicationCommandOptionString, choices: func(*Adapter) []choice {
		return []choice{{"on", bot.T("option.digest.on")}, {"off", bot.T("option.digest.off")}}
	}}, {name: "hour", desc: "option.hour", kind: discordgo.ApplicationCommandOptionInteger, max: 23}},
}

// discordLocales maps each Discord locale the catalog serves to the
// catalog's language ("sv-SE" → "sv", "es-419" → "es"); Discord has no
// locale for some of the helpdesk's languages (Arabic, Bengali), which
// then show English.
func (a *Adapter) discordLocales() map[discordgo.Locale]string {
	out := map[discordgo.Locale]string{}
	for loc := range discordgo.Locales {
		if loc == discordgo.Unknown {
			continue
		}
		if tag, ok := a.cat.Match(string(loc)); ok {
			out[loc] = tag
		}
	}
	return out
}

// localized renders a message in every Discord locale the catalog has it
// in (not falling back to English), cut to n characters.
func (a *Adapter) localized(t bot.Text, n int) map[discordgo.Locale]string {
	out := map[discordgo.Locale]string{}
	for loc, tag := range a.discordLocales() {
		missing := false
		for _, id := range a.cat.Missing(tag) {
			if id == t.ID {
				missing = true
			}
		}
		if !missing {
			out[loc] = cut(a.say(tag, t), n)
		}
	}
	return out
}

// command is /helpdesk with every subcommand of the core, its options, and
// their descriptions in every language Discord and the catalog share.
func (a *Adapter) commandSpec() *discordgo.ApplicationCommand {
	desc := bot.T("command." + commandName)
	descs := a.localized(desc, maxDescription)
	cmd := &discordgo.ApplicationCommand{
		Name:                     commandName,
		Type:                     discordgo.ChatApplicationCommand,
		Description:              cut(a.say("en", desc), maxDescription),
		DescriptionLocalizations: &descs,
	}
	for _, name := range bot.Commands() {
		d := bot.T("command." + name)
		sub := &discordgo.ApplicationCommandOption{
			Type:                     discordgo.ApplicationCommandOptionSubCommand,
			Name:                     name,
			Description:              cut(a.say("en", d), maxDescription),
			DescriptionLocalizations: a.localized(d, maxDescription),
		}
		for _, o := range options[name] {
			od := bot.T(o.desc)
			opt := &discordgo.ApplicationCommandOption{
				Type:                     o.kind,
				Name:                     o.name,
				Description:              cut(a.say("en", od), maxDescription),
				DescriptionLocalizations: a.localized(od, maxDescription),
				Required:                 o.required,
			}
			if o.kind == discordgo.ApplicationCommandOptionString && o.choices == nil {
				opt.MaxLength = bot.MaxText
			}
			if o.min != 0 {
				v := o.min
				opt.MinValue = &v
			}
			if o.max != 0 {
				opt.MaxValue = o.max
			}
			if o.choices != nil {
				for _, c := range o.choices(a) {
					opt.Choices = append(opt.Choices, &discordgo.ApplicationCommandOptionChoice{
						Name:              cut(a.say("en", c.name), maxChoiceName),
						NameLocalizations: a.localized(c.name, maxChoiceName),
						Value:             c.value,
					})
				}
			}
			sub.Options = append(sub.Options, opt)
		}
		cmd.Options = append(cmd.Options, sub)
	}
	sort.SliceStable(cmd.Options, func(i, j int) bool { return cmd.Options[i].Name < cmd.Options[j].Name })
	return cmd
}

// register registers /helpdesk, trying again with a growing delay while
// Discord fails for a passing reason (a 5xx, a long rate limit): without
// it the server has no /helpdesk until the next start. A refusal (4xx) is
// logged and left.
func (a *Adapter) register(ctx context.Context) {
	wait := time.Second
	for {
		err := a.registerCommands(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		var ae *apiError
		if _, app := a.ids(); app == "" || errors.As(err, &ae) && ae.status >= 400 && ae.status < 500 {
			a.log.Error("discord: register /helpdesk", "err", err)
			return
		}
		a.log.Warn("discord: register /helpdesk; will try again", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Minute)
	}
}

// registerCommands replaces the application's commands on the server by
// /helpdesk (a bulk overwrite: the same on every start).
func (a *Adapter) registerCommands(ctx context.Context) error {
	_, app := a.ids()
	if app == "" {
		return fmt.Errorf("no application id in READY")
	}
	return a.call(ctx, "register commands", func(opts ...discordgo.RequestOption) error {
		_, err := a.s.ApplicationCommandBulkOverwrite(app, a.cfg.GuildID, []*discordgo.ApplicationCommand{a.commandSpec()}, opts...)
		return err
	})
}
