package discordtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Discord's limits on application commands, as its developer documentation
// states them [Application Commands: Application Command Object, Naming,
// Option Structure, Option Choice Structure; Registering a Command; Slash
// Commands]. A registration that breaks one is refused whole, as Discord
// does, with 400 Invalid Form Body (50035) and an "errors" object that
// says where.
const (
	// MaxCommands is the number of CHAT_INPUT commands an app may have
	// globally, and as many again in each guild [Registering a Command].
	MaxCommands = 100
	// MaxOptions is the number of options of a command, of a subcommand,
	// and of subcommands in a group ("max of 25", "up to 25" [Application
	// Command Structure; Option Structure]).
	MaxOptions = 25
	// MaxChoices is the number of choices of an option ("max 25").
	MaxChoices = 25
	// MaxName is the length of a command's or an option's name ("1-32
	// character name"), and of each of its localizations.
	MaxName = 32
	// MaxDescription is the length of a description ("1-100 character
	// description"), and of each of its localizations.
	MaxDescription = 100
	// MaxChoiceName is the length of a choice's name and of a string
	// choice's value ("1-100 character choice name", "up to 100
	// characters if string").
	MaxChoiceName = 100
	// MaxStringLength bounds an option's min_length and max_length.
	MaxStringLength = 6000
	// MaxCommandChars is the size of one CHAT_INPUT command: "a maximum of
	// 8000 characters for combined name, description, and value properties
	// for each command, its options (including subcommands and groups),
	// and choices. When localization fields are present, only the longest
	// localization for each field (including the default value) is counted
	// towards the size limit" [Slash Commands]. The documentation said
	// 4000 until February 2024 (discord-api-docs #6668); how the size is
	// counted with localizations has been documented since August 2022
	// (#5343).
	MaxCommandChars = 8000
)

// Option types [Application Command Option Type].
const (
	optSubCommand      = 1
	optSubCommandGroup = 2
	optString          = 3
	optInteger         = 4
	optNumber          = 10
	optAttachment      = 11
)

// commandNameRE is the pattern of a CHAT_INPUT command's name and of an
// option's name, with the unicode flag [Application Command Naming]. Go's
// regexp names the scripts \p{Devanagari} and \p{Thai}.
var commandNameRE = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// discordLocales are the keys a localization dictionary may have [Reference:
// Locales].
var discordLocales = map[string]bool{
	"id": true, "da": true, "de": true, "en-GB": true, "en-US": true, "es-ES": true, "es-419": true,
	"fr": true, "hr": true, "it": true, "lt": true, "hu": true, "nl": true, "no": true, "pl": true,
	"pt-BR": true, "ro": true, "fi": true, "sv-SE": true, "vi": true, "tr": true, "cs": true, "el": true,
	"bg": true, "ru": true, "uk": true, "hi": true, "th": true, "zh-CN": true, "ja": true, "zh-TW": true, "ko": true,
}

// appCommand is an application command as the bot sends it.
type appCommand struct {
	Name        string            `json:"name"`
	NameLoc     map[string]string `json:"name_localizations"`
	Type        int               `json:"type"`
	Description string            `json:"description"`
	DescLoc     map[string]string `json:"description_localizations"`
	Options     []appOption       `json:"options"`
}

type appOption struct {
	Type         int               `json:"type"`
	Name         string            `json:"name"`
	NameLoc      map[string]string `json:"name_localizations"`
	Description  string            `json:"description"`
	DescLoc      map[string]string `json:"description_localizations"`
	Required     bool              `json:"required"`
	Choices      []appChoice       `json:"choices"`
	Options      []appOption       `json:"options"`
	MinLength    *int              `json:"min_length"`
	MaxLength    *int              `json:"max_length"`
	Autocomplete bool              `json:"autocomplete"`
}

type appChoice struct {
	Name    string            `json:"name"`
	NameLoc map[string]string `json:"name_localizations"`
	Value   json.RawMessage   `json:"value"`
}

// formErrors is the "errors" object of an Invalid Form Body answer: the
// path to the field that is wrong (array indices as strings), and under
// it "_errors", a list of {code, message}.
type formErrors map[string]any

func (e formErrors) add(path []string, code, msg string) {
	m := map[string]any(e)
	for _, p := range path {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	list, _ := m["_errors"].([]any)
	m["_errors"] = append(list, map[string]any{"code": code, "message": msg})
}

// at is path with more elements, in a new slice.
func at(path []string, more ...any) []string {
	out := append([]string(nil), path...)
	for _, m := range more {
		out = append(out, fmt.Sprint(m))
	}
	return out
}

// checkCommands checks a bulk overwrite: a list of commands, each valid,
// their names unique per type, at most MaxCommands CHAT_INPUT ones.
func checkCommands(body []byte) formErrors {
	errs := formErrors{}
	var cmds []appCommand
	if err := json.Unmarshal(body, &cmds); err != nil {
		errs.add(nil, "BASE_TYPE_ARRAY", "Must be an array.")
		return errs
	}
	chat := 0
	seen := map[string]bool{}
	for i, c := range cmds {
		typ := c.Type
		if typ == 0 {
			typ = 1
		}
		if typ == 1 {
			chat++
		}
		key := strconv.Itoa(typ) + "/" + c.Name
		if seen[key] {
			errs.add(at(nil, i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
		checkCommand(errs, at(nil, i), c)
	}
	if chat > MaxCommands {
		errs.add(nil, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", MaxCommands))
	}
	return errs
}

// checkCommand checks one command at path.
func checkCommand(errs formErrors, path []string, c appCommand) {
	if c.Type != 0 && c.Type != 1 {
		return // USER and MESSAGE commands: the helpdesk makes none
	}
	checkName(errs, at(path, "name"), c.Name)
	checkNameLoc(errs, at(path, "name_localizations"), c.NameLoc)
	checkText(errs, at(path, "description"), c.Description, MaxDescription)
	checkTextLoc(errs, at(path, "description_localizations"), c.DescLoc, MaxDescription)
	checkOptions(errs, at(path, "options"), c.Options, 0)
	size := longest(c.Name, c.NameLoc) + longest(c.Description, c.DescLoc) + optionsSize(c.Options)
	if size > MaxCommandChars {
		errs.add(path, "APPLICATION_COMMAND_TOO_LARGE", fmt.Sprintf("Command exceeds maximum size (%d)", MaxCommandChars))
	}
}

// checkOptions checks a list of options at depth 0 (the command's own), 1
// (a subcommand's or a group's) or 2 (a grouped subcommand's).
func checkOptions(errs formErrors, path []string, opts []appOption, depth int) {
	if len(opts) > MaxOptions {
		errs.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", MaxOptions))
	}
	names := map[string]bool{}
	optional := false
	subs := 0
	for _, o := range opts {
		if o.Type == optSubCommand || o.Type == optSubCommandGroup {
			subs++
		}
	}
	if subs > 0 && subs < len(opts) {
		errs.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-command and sub-command group option types are mutually exclusive to all other types")
	}
	for i, o := range opts {
		p := at(path, i)
		if names[o.Name] {
			errs.add(at(p, "name"), "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS", "Option names must be unique")
		}
		names[o.Name] = true
		checkName(errs, at(p, "name"), o.Name)
		checkNameLoc(errs, at(p, "name_localizations"), o.NameLoc)
		checkText(errs, at(p, "description"), o.Description, MaxDescription)
		checkTextLoc(errs, at(p, "description_localizations"), o.DescLoc, MaxDescription)
		nested := o.Type == optSubCommand || o.Type == optSubCommandGroup
		switch {
		case o.Type < optSubCommand || o.Type > optAttachment:
			errs.add(at(p, "type"), "BASE_TYPE_CHOICES", "Value must be one of the option types.")
		case o.Type == optSubCommandGroup && depth > 0, o.Type == optSubCommand && depth > 1:
			// "We support nesting one level deep within a group" [Subcommands and Subcommand Groups].
			errs.add(at(p, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands and groups nest only command → group → subcommand")
		}
		if nested {
			if o.Required {
				errs.add(at(p, "required"), "APPLICATION_COMMAND_OPTION_REQUIRED_INVALID", "Subcommands cannot be required")
			}
			if o.Type == optSubCommandGroup {
				for j, s := range o.Options {
					if s.Type != optSubCommand {
						errs.add(at(p, "options", j, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "A group holds subcommands only")
					}
				}
			}
			checkOptions(errs, at(p, "options"), o.Options, depth+1)
			continue
		}
		if len(o.Options) > 0 {
			errs.add(at(p, "options"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Only subcommands and groups have options")
		}
		// "Required options must be listed before optional options" [Option Structure].
		if o.Required && optional {
			errs.add(at(p, "required"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		optional = optional || !o.Required
		if len(o.Choices) > 0 {
			if o.Type != optString && o.Type != optInteger && o.Type != optNumber {
				errs.add(at(p, "choices"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Only string, integer and number options have choices")
			}
			if o.Autocomplete {
				errs.add(at(p, "autocomplete"), "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Autocomplete cannot be set with choices")
			}
		}
		if len(o.Choices) > MaxChoices {
			errs.add(at(p, "choices"), "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", MaxChoices))
		}
		for j, c := range o.Choices {
			cp := at(p, "choices", j)
			checkText(errs, at(cp, "name"), c.Name, MaxChoiceName)
			checkTextLoc(errs, at(cp, "name_localizations"), c.NameLoc, MaxChoiceName)
			var s string
			if json.Unmarshal(c.Value, &s) == nil && utf8.RuneCountInString(s) > MaxChoiceName {
				errs.add(at(cp, "value"), "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", MaxChoiceName))
			}
		}
		if o.MinLength != nil && (*o.MinLength < 0 || *o.MinLength > MaxStringLength) {
			errs.add(at(p, "min_length"), "NUMBER_TYPE_MAX", fmt.Sprintf("int value should be between 0 and %d.", MaxStringLength))
		}
		if o.MaxLength != nil && (*o.MaxLength < 1 || *o.MaxLength > MaxStringLength) {
			errs.add(at(p, "max_length"), "NUMBER_TYPE_MAX", fmt.Sprintf("int value should be between 1 and %d.", MaxStringLength))
		}
	}
}

// checkName checks a command's or option's name: Discord's pattern, and
// lower case wherever a letter has a lower case.
func checkName(errs formErrors, path []string, name string) {
	if !commandNameRE.MatchString(name) {
		errs.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		return
	}
	for _, r := range name {
		if unicode.ToLower(r) != r {
			errs.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
			return
		}
	}
}

func checkNameLoc(errs formErrors, path []string, loc map[string]string) {
	for k, v := range loc {
		if !discordLocales[k] {
			errs.add(at(path, k), "LOCALE_INVALID", "Invalid locale")
			continue
		}
		checkName(errs, at(path, k), v)
	}
}

// checkText checks a description or a choice's name: 1 to max characters.
func checkText(errs formErrors, path []string, s string, max int) {
	if n := utf8.RuneCountInString(s); n < 1 || n > max {
		errs.add(path, "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", max))
	}
}

func checkTextLoc(errs formErrors, path []string, loc map[string]string, max int) {
	for k, v := range loc {
		if !discordLocales[k] {
			errs.add(at(path, k), "LOCALE_INVALID", "Invalid locale")
			continue
		}
		checkText(errs, at(path, k), v, max)
	}
}

// longest is the length of a field as it counts towards a command's size:
// its longest localization, the default included.
func longest(s string, loc map[string]string) int {
	n := utf8.RuneCountInString(s)
	for _, v := range loc {
		n = max(n, utf8.RuneCountInString(v))
	}
	return n
}

// optionsSize is what options, their nested options and their choices add
// to a command's size: names, descriptions and values.
func optionsSize(opts []appOption) int {
	n := 0
	for _, o := range opts {
		n += longest(o.Name, o.NameLoc) + longest(o.Description, o.DescLoc) + optionsSize(o.Options)
		for _, c := range o.Choices {
			n += longest(c.Name, c.NameLoc)
			var s string
			if json.Unmarshal(c.Value, &s) == nil {
				n += utf8.RuneCountInString(s)
			} else {
				n += len(c.Value)
			}
		}
	}
	return n
}

// CommandSize is the size of a command as Discord counts it towards
// MaxCommandChars; body is the command's JSON.
func CommandSize(body []byte) (int, error) {
	var c appCommand
	if err := json.Unmarshal(body, &c); err != nil {
		return 0, err
	}
	return longest(c.Name, c.NameLoc) + longest(c.Description, c.DescLoc) + optionsSize(c.Options), nil
}
