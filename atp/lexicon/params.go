package lexicon

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Params holds the query parameters of an XRPC call after ParseParams:
// each declared parameter that was given or has a default, as a bool, an
// int64 or a string, or, for an array parameter, a []any of those.
type Params map[string]any

// String returns the string parameter name, or "" when it is absent.
func (p Params) String(name string) string {
	s, _ := p[name].(string)
	return s
}

// Int returns the integer parameter name and whether it is present.
func (p Params) Int(name string) (int64, bool) {
	n, ok := p[name].(int64)
	return n, ok
}

// Bool returns the boolean parameter name, false when it is absent.
func (p Params) Bool(name string) bool {
	b, _ := p[name].(bool)
	return b
}

// Strings returns the items of the string array parameter name, or nil.
func (p Params) Strings(name string) []string {
	items, _ := p[name].([]any)
	out := make([]string, 0, len(items))
	for _, item := range items {
		if s, ok := item.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// ParseParams reads the query parameters of the method nsid from q; see
// Method.ParseParams. An unknown method gives an error wrapping
// ErrNotFound.
func (c *Catalog) ParseParams(nsid string, q url.Values) (Params, error) {
	m, ok := c.methods[nsid]
	if !ok {
		return nil, fmt.Errorf("%w: method %s", ErrNotFound, nsid)
	}
	return m.ParseParams(q)
}

// ParseParams reads the declared query parameters of m from q and checks
// them against their schemas, the way the XRPC specification encodes them:
// an array is given by repeating its key, a boolean is "true" or "false",
// an integer is written in decimal, and a string is taken as it is. An
// empty value counts as absent (as the reference server does); an absent
// parameter takes its default, if it has one. Parameters that m does not
// declare are ignored.
//
// Errors are *Error values (wrapping ErrInvalid) naming the parameter:
//
//	invalid parameter "limit": must be an integer
//	invalid parameter "limit": can not be greater than 100
//	Params must have the property "actor"
func (m *Method) ParseParams(q url.Values) (Params, error) {
	out := Params{}
	if m.Params == nil {
		return out, nil
	}
	for i := range m.Params.Properties {
		p := &m.Params.Properties[i]
		vals := nonEmpty(q[p.Name])
		if len(vals) == 0 {
			if p.Required {
				return nil, &Error{Path: "Params", Reason: `must have the property "` + p.Name + `"`}
			}
			if d := defaultValue(p.Schema); d != nil {
				out[p.Name] = d
			}
			continue
		}
		v := validator{root: p.Name, param: true}
		if p.Schema.Type != TypeArray {
			if len(vals) > 1 {
				return nil, v.fail(nil, nil, "must be given once, not "+strconv.Itoa(len(vals))+" times")
			}
			x, err := v.paramValue(p.Schema, vals[0])
			if err != nil {
				return nil, err
			}
			out[p.Name] = x
			continue
		}
		a := p.Schema.Array
		if a.MaxLength != nil && len(vals) > *a.MaxLength {
			return nil, v.fail(nil, nil, "must not have more than "+strconv.Itoa(*a.MaxLength)+" elements")
		}
		if a.MinLength != nil && len(vals) < *a.MinLength {
			return nil, v.fail(nil, nil, "must not have fewer than "+strconv.Itoa(*a.MinLength)+" elements")
		}
		items := make([]any, len(vals))
		for j, s := range vals {
			x, err := v.paramValue(a.Items, s)
			if err != nil {
				return nil, err
			}
			items[j] = x
		}
		out[p.Name] = items
	}
	return out, nil
}

// paramValue converts one query value to the type of s and checks it.
func (v *validator) paramValue(s *Schema, raw string) (any, error) {
	var x any
	switch s.Type {
	case TypeBoolean:
		switch raw {
		case "true":
			x = true
		case "false":
			x = false
		default:
			return nil, v.fail(nil, nil, "must be a boolean")
		}
	case TypeInteger:
		// Digits with an optional '-', as the reference reads them: Go
		// would also take a leading '+'.
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || strings.HasPrefix(raw, "+") {
			return nil, v.fail(nil, nil, "must be an integer")
		}
		x = n
	default:
		x = raw
	}
	if err := v.check(s, x, nil); err != nil {
		return nil, err
	}
	return x, nil
}

// defaultValue returns the default of a boolean, integer or string schema,
// or nil.
func defaultValue(s *Schema) any {
	switch {
	case s.Type == TypeBoolean && s.Boolean.Default != nil:
		return *s.Boolean.Default
	case s.Type == TypeInteger && s.Integer.Default != nil:
		return *s.Integer.Default
	case s.Type == TypeString && s.String.Default != nil:
		return *s.String.Default
	}
	return nil
}

// nonEmpty returns vals without its empty strings, sharing vals when it
// has none.
func nonEmpty(vals []string) []string {
	for i, s := range vals {
		if s == "" {
			out := append([]string(nil), vals[:i]...)
			for _, s := range vals[i+1:] {
				if s != "" {
					out = append(out, s)
				}
			}
			return out
		}
	}
	return vals
}
