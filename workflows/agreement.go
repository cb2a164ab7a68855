package workflows

import (
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/letters"
)

// The grant agreement: an offer on a fund with terms pins them, with who
// may sign for the organisation, and accepting the offer is signing them.

// pinTerms fixes the terms and signatories of an offer just made. The
// organisation's certifiers are read once, here: whoever the directory
// names later, the people who may sign are those the offer was made to.
// Only funds with terms take this path, and every run whose fund has terms
// was written by code that has it, so it needs no version marker.
func (a *applicationWorkflow) pinTerms(ctx workflow.Context, s *letters.Snapshot) {
	if a.Fund.Terms == nil {
		return
	}
	t := *a.Fund.Terms
	a.Offer.Terms = &t
	cs, err := a.certifiers(ctx)
	if err != nil {
		// A lookup fails only when the workflow is being torn down; the
		// lead's applicants may then sign, as for an organisation
		// without certifiers.
		workflow.GetLogger(ctx).Warn("certifiers unread at offer", "application", a.ApplicationID)
	}
	a.Offer.Signatories = cs
	pin := termsPin(t)
	s.Terms = &letters.TermsRef{Title: pin.Title, Version: pin.Version, SHA256: pin.SHA256}
}

func termsPin(t fund.Terms) TermsPin {
	return TermsPin{Title: t.Title, Version: t.Version, SHA256: t.Hash()}
}

// signatory is by's entry among the offer's signatories, if the offer names
// any.
func (a *applicationWorkflow) signatory(by fundflow.Actor) (activities.CertifierInfo, bool) {
	i := slices.IndexFunc(a.Offer.Signatories, func(c activities.CertifierInfo) bool { return c.UserID == by.ID })
	if i < 0 {
		return activities.CertifierInfo{}, false
	}
	return a.Offer.Signatories[i], true
}

// canSign admits, on an offer with terms and signatories, only those
// signatories: the agreement binds the organisation, so its authorised
// signatory signs it, not whoever wrote the bid.
func (a *applicationWorkflow) canSign(by fundflow.Actor) error {
	if a.Offer.Terms == nil || len(a.Offer.Signatories) == 0 {
		return nil
	}
	if _, ok := a.signatory(by); !ok {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only a certifier of the organisation can sign the grant agreement: %s", certifierNames(a.Offer.Signatories))
	}
	return nil
}

// checkSignature checks what a signatory gives on a fund with terms.
func (a *applicationWorkflow) checkSignature(v *fundflow.Invalid, r AcceptOfferRequest) error {
	if !r.Declare {
		v.Add("declare", "confirm the declaration to sign the agreement")
	}
	if want := r.Actor.Name; want != "" && !sameName(r.SignatoryName, want) {
		v.Add("signatory_name", "type your full name as your account gives it, %s", want)
	}
	if r.TermsSHA256 == "" {
		v.Add("terms_sha256", "is required: the SHA-256 of the terms you read")
		return nil
	}
	if r.TermsSHA256 != a.Offer.Terms.Hash() {
		return &fundflow.Error{Code: fundflow.ECONFLICT, Message: "these are not the terms of this offer; read the agreement again before you sign it",
			Fields: []fundflow.FieldError{{Field: "terms_sha256", Message: "does not match the offer's terms"}}}
	}
	return nil
}

// sameName compares typed names as a person would: case and spacing aside.
func sameName(typed, name string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(typed), " "), strings.Join(strings.Fields(name), " "))
}

// sign records the agreement and queues it as a letter, the terms word for
// word with the signature block filled in.
func (a *applicationWorkflow) sign(ctx workflow.Context, r AcceptOfferRequest) {
	t := *a.Offer.Terms
	capacity := r.SignatoryRole
	if c, ok := a.signatory(r.Actor); ok && capacity == "" {
		capacity = c.CapacityLabel
	}
	s := a.snapshot(ctx, letters.KindAgreement, fundflow.System, "")
	a.Agreement = &Agreement{
		Terms: termsPin(t), OfferRef: a.Offer.Letter, SignedName: r.SignatoryName, Capacity: capacity,
		Declaration: t.Declaration, By: r.Actor, At: s.IssuedAt, Letter: s.Ref,
	}
	sections := make([]letters.TermsSection, len(t.Sections))
	for i, x := range t.Sections {
		sections[i] = letters.TermsSection{Heading: x.Heading, Text: x.Text}
	}
	pin := a.Agreement.Terms
	s.Agreement = &letters.Agreement{
		Terms:    letters.TermsRef{Title: pin.Title, Version: pin.Version, SHA256: pin.SHA256},
		Sections: sections, Declaration: t.Declaration, SignedName: r.SignatoryName, Capacity: capacity,
		SignedAt: s.IssuedAt, OfferRef: a.Offer.Letter,
	}
	s.AmountPence = a.Offer.AmountPence
	for _, m := range a.Milestones {
		s.Milestones = append(s.Milestones, letters.Milestone{Title: m.Title, DueAt: m.DueAt, DrawdownPence: m.DrawdownPence})
	}
	a.queueLetter(s)
}

// agreementView is the terms to read and sign, and the signature once
// given; nil for an offer made without terms.
func (a *applicationWorkflow) agreementView() *AgreementView {
	if a.Offer == nil || a.Offer.Terms == nil {
		return nil
	}
	t := *a.Offer.Terms
	v := &AgreementView{Terms: termsPin(t), Sections: nonNil(slices.Clone(t.Sections)), Declaration: t.Declaration, Signatories: []string{}, Signed: a.Agreement}
	for _, c := range a.Offer.Signatories {
		v.Signatories = append(v.Signatories, c.Name+", "+c.CapacityLabel)
	}
	return v
}
