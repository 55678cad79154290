package account

import (
	"fmt"
	"strings"
	"time"
)

// DefaultServiceName names the service in emails when none is configured.
const DefaultServiceName = "boltsky"

// TokenEmail is the content of an email carrying a token.
type TokenEmail struct {
	Purpose TokenPurpose
	// To is the recipient address.
	To string
	// Token is the code to enter.
	Token string
	// Handle names the account, when known (password resets show it).
	Handle string
	// ServiceName names the server; empty means DefaultServiceName.
	ServiceName string
	// Lifetime is how long the token is valid; zero means
	// DefaultEmailTokenLifetime.
	Lifetime time.Duration
}

// Compose renders the plain-text message for e, with the subjects the
// reference uses.
func (e TokenEmail) Compose() (Message, error) {
	if e.To == "" || e.Token == "" {
		return Message{}, fmt.Errorf("account: token email needs a recipient and a token")
	}
	service := e.ServiceName
	if service == "" {
		service = DefaultServiceName
	}
	account := "your account"
	if e.Handle != "" {
		account = "the account @" + e.Handle
	}
	var subject, intro, after string
	switch e.Purpose {
	case PurposeConfirmEmail:
		subject = "Email Confirmation"
		intro = "Please confirm this email address for " + account + " on " + service + " by entering this code:"
		after = "If you did not ask to confirm this address, you can ignore this email."
	case PurposeUpdateEmail:
		subject = "Email Update Requested"
		intro = "We received a request to change the email address of " + account + " on " + service + ". To go ahead, enter this code:"
		after = "If you did not ask for this change, do not share the code, and consider changing your password."
	case PurposeResetPassword:
		subject = "Password Reset Requested"
		intro = "We received a request to reset the password for " + account + " on " + service + ". To choose a new password, enter this code:"
		after = "If you did not ask for a reset, you can ignore this email: your password stays as it is."
	case PurposeDeleteAccount:
		subject = "Account Deletion Requested"
		intro = "We received a request to delete " + account + " on " + service + ". To delete it permanently, enter this code:"
		after = "If you did not ask to delete your account, do not share the code, and consider changing your password."
	case PurposePLCOperation:
		subject = "PLC Update Operation Requested"
		intro = "We received a request to update the identity (DID document) of " + account + " on " + service + ". To sign the update, enter this code:"
		after = "If you did not ask for this, do not share the code: it lets the holder move your identity to another server."
	default:
		return Message{}, fmt.Errorf("account: no email for token purpose %q", e.Purpose)
	}
	var b strings.Builder
	b.WriteString("Hello,\n\n")
	b.WriteString(intro)
	b.WriteString("\n\n    ")
	b.WriteString(e.Token)
	lifetime := e.Lifetime
	if lifetime <= 0 {
		lifetime = DefaultEmailTokenLifetime
	}
	fmt.Fprintf(&b, "\n\nThe code is valid for %s.\n\n", describeDuration(lifetime))
	b.WriteString(after)
	b.WriteString("\n\n-- \n")
	b.WriteString(service)
	b.WriteString("\n")
	return Message{To: e.To, Subject: subject, Text: b.String()}, nil
}

// describeDuration writes d in whole minutes or hours for a reader.
func describeDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d <= time.Minute:
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", (d+time.Minute-1)/time.Minute)
}
