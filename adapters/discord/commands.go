package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/wmse/helpdesk/bot"
)

// Discord allows a command at most 25 subcommands and 8000 characters of
// names and descriptions (each counted in its longest language), so the
// core's commands do not fit under one: they are split between two
// top-level commands by who uses them.
const (
	// commandName is what everyone uses: asking for help, following one's
	// cases, volunteering, one's language and to-do list.
	commandName = "helpdesk"
	// caseCommand is the helpdesk's own casework on a case: the
	// committee's, the working groups' and the staff's.
	caseCommand = "case"
)

// topCommands are the top-level commands, in the order they are registered.
var topCommands = []string{commandName, caseCommand}

// placement is the top-level command each of the core's commands is a
// subcommand of on Discord. A command the core adds must be placed here
// (TestEveryCommandPlaced fails until it is); one that is not is put
// under /helpdesk while it has room, and logged as unreachable when not.
var placement = map[string]string{
	// For everyone.
	"help":      commandName,
	"request":   commandName,
	"volunteer": commandName,
	"status":    commandName,
	"mine":      commandName,
	"list":      commandName,
	"history":   commandName,
	"language":  commandName,
	"experts":   commandName,
	"guides":    commandName,
	"stats":     commandName,
	"dashboard": commandName,
	"answer":    commandName,
	"rate":      commandName,
	"withdraw":  commandName,
	"todo":      commandName,
	"digest":    commandName,
	"mydata":    commandName,
	"link":      commandName,
	"unlink":    commandName,
	// Casework.
	"ask":       caseCommand,
	"route":     caseCommand,
	"claim":     caseCommand,
	"recommend": caseCommand,
	"decide":    caseCommand,
	"resolve":   caseCommand,
	"close":     caseCommand,
	"take":      caseCommand,
	"assign":    caseCommand,
	"note":      caseCommand,
	"reason":    caseCommand,
	"reopen":    caseCommand,
	"reply":     caseCommand,
	"erase":     caseCommand,
}

// maxSubcommands is how many subcommands Discord allows a command.
const maxSubcommands = 25

// layout is where each of the core's commands is on Discord: the
// top-level command of each (by placement, else under /helpdesk while it
// has room), and the commands that found no room.
func layout(cmds []string) (top map[string]string, unplaced []string) {
	top = map[string]string{}
	n := map[string]int{}
	var rest []string
	for _, c := range cmds {
		if t, ok := placement[c]; ok {
			top[c] = t
			n[t]++
		} else {
			rest = append(rest, c)
		}
	}
	for _, c := range rest {
		if n[commandName] < maxSubcommands {
			top[c] = commandName
			n[commandName]++
		} else {
			unplaced = append(unplaced, c)
		}
	}
	return top, unplaced
}

// tops is the layout of the core's commands, which are fixed.
var tops = sync.OnceValues(func() (map[string]string, []string) { return layout(bot.Commands()) })

// topOf is the top-level command a command of the core is under (/helpdesk
// for one that found no room: the core's own name for it).
func topOf(name string) string {
	top, _ := tops()
	if t, ok := top[name]; ok {
		return t
	}
	return commandName
}

// typed is a command of the core as a person types it on Discord:
// "take #3" is "/case take #3", "status #3" "/helpdesk status #3".
func typed(line string) string {
	name, _, _ := strings.Cut(line, " ")
	return "/" + topOf(name) + " " + line
}

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
	// Whom to erase as text: a name, a mention or a mail address (a
	// requester by mail has no Discord account to pick).
	"erase":  {text("who", "option.erase_who"), confirmOpt},
	"link":   {{name: "code", desc: "option.link", kind: discordgo.ApplicationCommandOptionString}},
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

// commandSpecs are the top-level commands, each with its subcommands (the
// core's commands placed under it), their options, and their descriptions
// in every language Discord and the catalog share.
func (a *Adapter) commandSpecs() []*discordgo.ApplicationCommand {
	var out []*discordgo.ApplicationCommand
	for _, top := range topCommands {
		desc := bot.T("command." + top)
		descs := a.localized(desc, maxDescription)
		cmd := &discordgo.ApplicationCommand{
			Name:                     top,
			Type:                     discordgo.ChatApplicationCommand,
			Description:              cut(a.say("en", desc), maxDescription),
			DescriptionLocalizations: &descs,
		}
		for _, name := range bot.Commands() {
			if placed, _ := tops(); placed[name] == top {
				cmd.Options = append(cmd.Options, a.subcommand(name))
			}
		}
		out = append(out, cmd)
	}
	return out
}

// subcommand is one of the core's commands as a subcommand.
func (a *Adapter) subcommand(name string) *discordgo.ApplicationCommandOption {
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
	return sub
}

// register registers the commands, trying again with a growing delay
// while Discord fails for a passing reason (a 5xx, a long rate limit):
// without it the server has no commands until the next start. A refusal
// (4xx) is logged and left.
func (a *Adapter) register(ctx context.Context) {
	if _, unplaced := tops(); len(unplaced) > 0 {
		a.log.Error("discord: commands without a place (Discord allows 25 subcommands a command); add them to placement in adapters/discord/commands.go", "commands", strings.Join(unplaced, " "))
	}
	wait := time.Second
	for {
		err := a.registerCommands(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		var ae *apiError
		if _, app := a.ids(); app == "" || errors.As(err, &ae) && ae.status >= 400 && ae.status < 500 {
			a.log.Error("discord: register the commands", "err", err)
			return
		}
		a.log.Warn("discord: register the commands; will try again", "err", err, "in", wait)
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
// /helpdesk and /case (a bulk overwrite: the same on every start).
func (a *Adapter) registerCommands(ctx context.Context) error {
	_, app := a.ids()
	if app == "" {
		return fmt.Errorf("no application id in READY")
	}
	return a.call(ctx, "register commands", func(opts ...discordgo.RequestOption) error {
		_, err := a.s.ApplicationCommandBulkOverwrite(app, a.cfg.GuildID, a.commandSpecs(), opts...)
		return err
	})
}
