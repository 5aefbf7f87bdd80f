package catalog

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/policy"
)

var (
	serviceIDPattern   = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	lifeEventIDPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)
	fieldNamePattern   = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
	relativeDayPattern = regexp.MustCompile(`^[+-][0-9]{1,5}$`)
	// personFieldName matches the names of fields that hold a person's
	// identifier (nik, childNik, motherNik, nisn, studentNisn): each must be
	// declared a person field, so that the policy checks it.
	personFieldName = regexp.MustCompile(`^(nik|nisn|[a-z][A-Za-z0-9]*(Nik|Nisn))$`)
)

// maxAge bounds a service's minAge: a larger one is a typo.
const maxAge = 100

// problems collects everything wrong with a catalog, so one run shows all.
type problems []error

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Errorf("catalog: "+format, args...))
}

// text requires both languages of t; what names where t is.
func (p *problems) text(t sp.Text, what string) {
	switch {
	case strings.TrimSpace(t.ID) == "" && strings.TrimSpace(t.EN) == "":
		p.add("%s: missing (needs id and en)", what)
	case strings.TrimSpace(t.ID) == "":
		p.add("%s: missing its Indonesian (id) text", what)
	case strings.TrimSpace(t.EN) == "":
		p.add("%s: missing its English (en) text", what)
	}
}

func check(f *file) error {
	var p problems
	if len(f.LifeEvents) == 0 {
		p.add("no life events")
	}
	events := map[string]bool{}
	for i, e := range f.LifeEvents {
		where := fmt.Sprintf("life event %q", e.ID)
		if !lifeEventIDPattern.MatchString(e.ID) {
			p.add("life event #%d: id %q must be UPPER_SNAKE_CASE", i+1, e.ID)
		}
		if events[e.ID] {
			p.add("%s: duplicate id", where)
		}
		events[e.ID] = true
		p.text(e.Name, where+": name")
		p.text(e.Description, where+": description")
	}
	if len(f.Services) == 0 {
		p.add("no services")
	}
	ids := map[string]bool{}
	used := map[string]bool{}
	for i, s := range f.Services {
		if s == nil {
			p.add("service #%d: null", i+1)
			continue
		}
		if !serviceIDPattern.MatchString(s.ID) {
			p.add("service #%d: id %q must be lower-kebab-case", i+1, s.ID)
		}
		if ids[s.ID] {
			p.add("service %q: duplicate id", s.ID)
		}
		ids[s.ID] = true
		checkService(&p, s, events)
		for _, e := range s.LifeEvents {
			used[e] = true
		}
	}
	for _, e := range f.LifeEvents {
		if !used[e.ID] {
			p.add("life event %q: no service belongs to it", e.ID)
		}
	}
	return errors.Join(p...)
}

func checkService(p *problems, s *Service, events map[string]bool) {
	at := fmt.Sprintf("service %q", s.ID)
	p.text(s.Name, at+": name")
	p.text(s.Description, at+": description")
	if !s.Agency.Valid() {
		p.add("%s: unknown agency %q", at, s.Agency)
	}
	if !slices.Contains(Domains, s.Domain) {
		p.add("%s: unknown domain %q", at, s.Domain)
	}
	if len(s.LifeEvents) == 0 {
		p.add("%s: belongs to no life event", at)
	}
	for j, e := range s.LifeEvents {
		if !events[e] {
			p.add("%s: unknown life event %q", at, e)
		}
		if slices.Contains(s.LifeEvents[:j], e) {
			p.add("%s: life event %q listed twice", at, e)
		}
	}
	if s.Fee < 0 {
		p.add("%s: negative fee", at)
	}
	if pay := s.Payment; pay != nil {
		if pay.Due != FeeBeforeForwarding && pay.Due != FeeAfterApproval {
			p.add("%s: payment.due must be %s or %s", at, FeeBeforeForwarding, FeeAfterApproval)
		}
		if pay.Regulation == "" {
			p.add("%s: payment.regulation names no regulation", at)
		}
		if pay.ByField == "" && s.Fee <= 0 {
			p.add("%s: a payment without byField needs a fee", at)
		}
		if pay.ByField != "" {
			var f *Field
			for i := range s.Fields {
				if s.Fields[i].Name == pay.ByField {
					f = &s.Fields[i]
				}
			}
			if f == nil || f.Type != TypeEnum || !f.Required {
				p.add("%s: payment.byField %q must be a required ENUM field", at, pay.ByField)
			} else {
				for _, o := range f.Options {
					if pay.Amounts[o.Value] <= 0 {
						p.add("%s: payment.amounts has no positive amount for %q", at, o.Value)
					}
				}
			}
		}
	}
	if s.ProcessingDays < 0 {
		p.add("%s: negative processingDays", at)
	}
	if s.MinAge < 0 || s.MinAge > maxAge {
		p.add("%s: minAge %d must be between 0 (none) and %d", at, s.MinAge, maxAge)
	}

	switch s.Channel {
	case ChannelOnline:
		if !slices.Contains(ForwardingAgencies, s.Agency) {
			p.add("%s: ONLINE, but agency %q does not accept forwarded requests (only %v do); make it OFFLINE", at, s.Agency, ForwardingAgencies)
		}
		if s.Offline != nil {
			p.add("%s: ONLINE services carry no offline info; describe any visit in the description", at)
		}
	case ChannelOffline:
		if s.Offline == nil {
			p.add("%s: OFFLINE without offline info (where, bring, hours)", at)
		} else {
			checkOffline(p, s.Offline, at+": offline")
		}
		if len(s.Fields) > 0 || len(s.Eligibility) > 0 || s.SingleOpen || s.MinAge != 0 {
			p.add("%s: OFFLINE services cannot be submitted, so take no fields, eligibility, singleOpen or minAge", at)
		}
	default:
		p.add("%s: channel %q must be ONLINE or OFFLINE", at, s.Channel)
	}

	names := map[string]bool{}
	for i := range s.Fields {
		fl := &s.Fields[i]
		if names[fl.Name] {
			p.add("%s: field %q: duplicate name", at, fl.Name)
		}
		names[fl.Name] = true
		checkField(p, fl, fmt.Sprintf("%s: field %q", at, fl.Name))
	}

	for j, name := range s.Eligibility {
		r, ok := rules[name]
		switch {
		case !ok:
			p.add("%s: unknown eligibility rule %q (known: %s)", at, name, strings.Join(ruleNames(), ", "))
		case slices.Contains(s.Eligibility[:j], name):
			p.add("%s: eligibility rule %q listed twice", at, name)
		case r.field != "":
			if fl, ok := findField(s.Fields, r.field); !ok || !fl.Required {
				p.add("%s: eligibility rule %q reads field %q, which the service must have as required", at, name, r.field)
			}
		}
	}
}

func findField(fs []Field, name string) (*Field, bool) {
	for i := range fs {
		if fs[i].Name == name {
			return &fs[i], true
		}
	}
	return nil, false
}

func checkOffline(p *problems, o *Offline, at string) {
	p.text(o.Where, at+": where")
	p.text(o.Hours, at+": hours")
	if len(o.Bring) == 0 {
		p.add("%s: bring: say what to bring", at)
	}
	for i, b := range o.Bring {
		p.text(b, fmt.Sprintf("%s: bring #%d", at, i+1))
	}
	if o.URL != "" {
		u, err := url.Parse(o.URL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			p.add("%s: url %q must be an https URL", at, o.URL)
		}
	}
}

func checkField(p *problems, f *Field, at string) {
	if !fieldNamePattern.MatchString(f.Name) {
		p.add("%s: name must be lowerCamelCase", at)
	}
	p.text(f.Label, at+": label")
	if f.Help != (sp.Text{}) {
		p.text(f.Help, at+": help")
	}
	switch f.Type {
	case TypeText, TypeEnum, TypeDate, TypeNumber:
	default:
		p.add("%s: unknown type %q (TEXT, ENUM, DATE or NUMBER)", at, f.Type)
		return
	}

	if f.Pattern != "" {
		switch {
		case f.Type != TypeText && f.Type != TypeNumber:
			p.add("%s: pattern is for TEXT and NUMBER fields", at)
		case !strings.HasPrefix(f.Pattern, "^") || !strings.HasSuffix(f.Pattern, "$"):
			p.add("%s: pattern %q must be anchored with ^ and $", at, f.Pattern)
		default:
			re, err := regexp.Compile(f.Pattern)
			if err != nil {
				p.add("%s: pattern does not compile: %v", at, err)
			}
			f.re = re
		}
		p.text(f.PatternHint, at+": patternHint")
	} else if f.PatternHint != (sp.Text{}) {
		p.add("%s: patternHint without a pattern", at)
	}

	if f.Type == TypeText {
		switch {
		case f.MinLength < 0 || f.MaxLength < 0:
			p.add("%s: negative length", at)
		case f.MaxLength == 0 && f.Pattern == "":
			p.add("%s: TEXT needs a maxLength or a pattern, so input stays bounded", at)
		case f.MaxLength > 0 && f.MinLength > f.MaxLength:
			p.add("%s: minLength %d above maxLength %d", at, f.MinLength, f.MaxLength)
		}
	} else if f.MinLength != 0 || f.MaxLength != 0 {
		p.add("%s: minLength/maxLength are for TEXT fields", at)
	}

	if f.Type == TypeEnum {
		if len(f.Options) == 0 {
			p.add("%s: ENUM without options", at)
		}
		for i, o := range f.Options {
			if strings.TrimSpace(o.Value) == "" || o.Value != strings.TrimSpace(o.Value) {
				p.add("%s: option #%d: value must be non-empty without surrounding spaces", at, i+1)
			}
			if slices.ContainsFunc(f.Options[:i], func(x Option) bool { return x.Value == o.Value }) {
				p.add("%s: option %q listed twice", at, o.Value)
			}
			p.text(o.Label, fmt.Sprintf("%s: option %q: label", at, o.Value))
		}
	} else if len(f.Options) > 0 {
		p.add("%s: options are for ENUM fields", at)
	}

	checkPerson(p, f, at)

	if f.Type == TypeDate {
		f.minDays = relativeDays(p, f.MinDate, at+": minDate")
		f.maxDays = relativeDays(p, f.MaxDate, at+": maxDate")
		if f.minDays != nil && f.maxDays != nil && *f.minDays > *f.maxDays {
			p.add("%s: minDate %q is after maxDate %q", at, f.MinDate, f.MaxDate)
		}
	} else if f.MinDate != "" || f.MaxDate != "" {
		p.add("%s: minDate/maxDate are for DATE fields", at)
	}
}

// relativeDays parses "", "today", "+90" or "-365" into a day offset (nil
// for no bound).
func relativeDays(p *problems, s, at string) *int {
	switch {
	case s == "":
		return nil
	case s == "today":
		n := 0
		return &n
	case relativeDayPattern.MatchString(s):
		n, _ := strconv.Atoi(s)
		return &n
	}
	p.add(`%s: %q must be "today" or a signed day count such as "+90" or "-365"`, at, s)
	return nil
}

// checkPerson checks a person field's declaration, and that a field named
// like a person's identifier has one.
func checkPerson(p *problems, f *Field, at string) {
	if f.Person == nil {
		if personFieldName.MatchString(f.Name) {
			p.add(`%s: the name says it holds a person's NIK or NISN: declare it a person field ("person": {"identifier", "relations"}) so the policy checks who it names`, at)
		}
		return
	}
	want, ok := identifierPatterns[f.Person.Identifier]
	if !ok {
		p.add("%s: person: unknown identifier %q (NIK or NISN)", at, f.Person.Identifier)
	} else if f.Type != TypeText || f.Pattern != want {
		p.add("%s: person: a %s field must be TEXT with pattern %s", at, f.Person.Identifier, want)
	}
	if len(f.Person.Relations) == 0 {
		p.add("%s: person: relations: say who the person may be to the applicant (%s)", at, relationList())
	}
	for i, r := range f.Person.Relations {
		if !r.Valid() {
			p.add("%s: person: unknown relation %q (known: %s)", at, r, relationList())
		}
		if slices.Contains(f.Person.Relations[:i], r) {
			p.add("%s: person: relation %q listed twice", at, r)
		}
	}
}

func relationList() string {
	var names []string
	for _, r := range policy.Relations() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}
