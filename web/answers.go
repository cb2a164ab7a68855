package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"reflect"
	"slices"

	"github.com/fundflow/fundflow/web/apiclient"
)

// These read the API's answers (apiclient, generated from the OpenAPI
// document) for the pages: which actions the API offers on an
// application, its files and their kinds. They decide nothing the API has
// not already said.

// can reports whether the API allows action on the application itself now.
func can(a *apiclient.Application, action string) bool {
	return slices.ContainsFunc(a.Actions, func(x apiclient.Action) bool { return string(x.Name) == action })
}

// canOn reports whether the API allows action on one milestone now.
func canOn(a *apiclient.Application, action, milestoneID string) bool {
	return slices.ContainsFunc(a.Actions, func(x apiclient.Action) bool {
		return string(x.Name) == action && x.MilestoneID == milestoneID
	})
}

// canOnDocument reports whether the API allows action on one attached
// file now.
func canOnDocument(a *apiclient.Application, action, documentID string) bool {
	return slices.ContainsFunc(a.Actions, func(x apiclient.Action) bool {
		return string(x.Name) == action && x.DocumentID == documentID
	})
}

// canAnswer reports whether the applicant may answer query queryID now.
func canAnswer(a *apiclient.Application, queryID string) bool {
	return slices.ContainsFunc(a.Actions, func(x apiclient.Action) bool {
		return x.Name == apiclient.ActionNameAnswerQuery && x.QueryID == queryID
	})
}

// servable reports whether a file can be downloaded: only a clean one, or
// with scanning off one not scanned.
func servable(d apiclient.Document) bool {
	return d.ScanStatus == apiclient.ScanStatusClean || d.ScanStatus == apiclient.ScanStatusNotScanned
}

// appDocument is the application's file with id, or nil: evidence and
// answers cite files by id.
func appDocument(a *apiclient.Application, id string) *apiclient.Document {
	if i := slices.IndexFunc(a.Documents, func(d apiclient.Document) bool { return d.ID == id }); i >= 0 {
		return &a.Documents[i]
	}
	return nil
}

// citable are the files a submission may cite now: those that can be
// downloaded.
func citable(a *apiclient.Application) []apiclient.Document {
	var out []apiclient.Document
	for _, d := range a.Documents {
		if servable(d) {
			out = append(out, d)
		}
	}
	return out
}

// kindLabel names a kind of document as reqs name it, or in words.
func kindLabel(reqs []apiclient.DocumentRequirement, kind string) string {
	if i := slices.IndexFunc(reqs, func(r apiclient.DocumentRequirement) bool { return r.Kind == kind }); i >= 0 {
		return reqs[i].Label
	}
	return humanize(kind)
}

// documentKinds are the kinds any of the fund's milestones requires, each
// once: what a file can be labelled as before it is tied to a milestone.
func documentKinds(d apiclient.FundDefinition) []apiclient.DocumentRequirement {
	var out []apiclient.DocumentRequirement
	for _, m := range d.Milestones {
		for _, r := range m.DocumentsRequired {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// cites reports whether m's evidence cites a file of a's of this kind.
func cites(m apiclient.Milestone, a *apiclient.Application, kind string) bool {
	return m.Evidence != nil && slices.ContainsFunc(m.Evidence.Documents, func(id string) bool {
		d := appDocument(a, id)
		return d != nil && d.Kind == kind
	})
}

// contentAnswers is every answer of an application by question id, the
// well-known members among them, as the form reads them.
func contentAnswers(c apiclient.ApplicationContent) (map[string]any, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return decodeAnswers(b)
}

// answerFuncs are the helpers above, for templates, and the text helpers
// that take a status or a role, which the generated types give as a named
// string type a template would not pass for a string.
var answerFuncs = template.FuncMap{
	"humanize":      func(s any) string { return humanize(plain(s)) },
	"tag":           func(s any) string { return statusTag(plain(s)) },
	"navFor":        func(role any) []navItem { return navFor(plain(role)) },
	"documentKinds": documentKinds,
	"can":           can,
	"canOn":         canOn,
	"canOnDocument": canOnDocument,
	"servable":      servable,
	"appDocument":   appDocument,
	"kindLabel":     kindLabel,
	"cites":         cites,
}

// typed is values as a generated enum type, such as roles for a body.
func typed[T ~string](values []string) []T {
	out := make([]T, len(values))
	for i, v := range values {
		out[i] = T(v)
	}
	return out
}

// untyped is typed's inverse, for a form that holds plain strings.
func untyped[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// contentTargets are an application's targets as the API writes them.
func contentTargets(c apiclient.ApplicationContent) []apiclient.OutcomeTarget {
	out := make([]apiclient.OutcomeTarget, len(c.Targets))
	for i, t := range c.Targets {
		out[i] = apiclient.OutcomeTarget{Measure: t.Measure, Route: t.Route, Baseline: t.Baseline.String(), Target: t.Target.String()}
	}
	return out
}

// plain is a value of one of the generated string types (a status, a
// role) as the string it is.
func plain(v any) string {
	if r := reflect.ValueOf(v); r.Kind() == reflect.String {
		return r.String()
	}
	return fmt.Sprint(v)
}
