package atp

import "strings"

// MaxLanguageLength is the longest language tag, in bytes, that
// ParseLanguage accepts. RFC 5646 sets no limit; this one only bounds the
// work done on hostile input and is far above any real tag.
const MaxLanguageLength = 128

// Language is a BCP 47 language tag such as "en", "pt-BR" or
// "zh-Hant-TW". It keeps the exact text it was parsed from: tags are
// case-insensitive, but records carry them verbatim.
//
// The zero Language means "none".
type Language struct {
	s string
}

// grandfathered lists, in lower case, the tags of RFC 5646 §2.2.8 that
// are well-formed only by being listed. (The "regular" ones, like
// zh-hakka, also fit the langtag grammar.)
const grandfathered = "en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo" +
	"|i-navajo|i-pwn|i-tao|i-tay|i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de" +
	"|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"

// ParseLanguage checks that raw is a well-formed BCP 47 tag under the
// grammar of RFC 5646 §2.1, matched without regard to case:
//
//	langtag    = language ["-" script] ["-" region] *("-" variant)
//	             *("-" extension) ["-" privateuse]
//	language   = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
//	extlang    = 3ALPHA *2("-" 3ALPHA)
//	script     = 4ALPHA
//	region     = 2ALPHA / 3DIGIT
//	variant    = 5*8alphanum / (DIGIT 3alphanum)
//	extension  = singleton 1*("-" (2*8alphanum))   ; singleton: not x
//	privateuse = "x" 1*("-" (1*8alphanum))
//
// or a private-use tag ("x-..."), or one of the grandfathered tags. Being
// well-formed is all the lexicon language format asks; whether subtags
// are registered is not checked. So "JA" and "jaja" pass (the grammar
// ignores case and reserves 4-letter language subtags), while "de-419-DE"
// does not (a 2-letter subtag cannot follow a region). The result shares
// raw's memory.
func ParseLanguage(raw string) (Language, error) {
	if reason := checkLanguage(raw, false); reason != "" {
		return Language{}, invalid(ErrInvalidLanguage, raw, reason)
	}
	return Language{s: raw}, nil
}

// ParseLanguageStrict is ParseLanguage plus the checks that RFC 5646
// §2.2.5, §2.2.6 and §4.1 make of valid tags and that need no registry:
// no variant and no extension singleton may appear twice (compared
// without regard to case). Like the reference strict parser, it also
// requires the primary language subtag to be 2-3 lower-case letters: no
// registered language subtag is longer, and lower case is its canonical
// form. Private-use and grandfathered tags pass as for ParseLanguage.
func ParseLanguageStrict(raw string) (Language, error) {
	if reason := checkLanguage(raw, true); reason != "" {
		return Language{}, invalid(ErrInvalidLanguage, raw, reason)
	}
	return Language{s: raw}, nil
}

// malformedSubtag is the reason given for a subtag that is empty, longer
// than 8 bytes or not alphanumeric.
const malformedSubtag = "empty or over-long subtag, or a character other than a letter, digit or '-'"

// checkLanguage returns why raw is not a well-formed (or, if strict,
// valid) language tag, or "" when it is one.
func checkLanguage(raw string, strict bool) string {
	switch {
	case raw == "":
		return "empty"
	case len(raw) > MaxLanguageLength:
		return "longer than 128 bytes"
	}
	reason := checkLangtag(raw, strict)
	if reason != "" && isGrandfathered(raw) {
		return ""
	}
	return reason
}

// checkLangtag returns why raw is neither a langtag nor a private-use tag
// (or, if strict, not a valid one), or "" when it is one.
func checkLangtag(raw string, strict bool) string {
	sc := subtags{s: raw}
	lang, ok := sc.next()
	switch {
	case !ok:
		return malformedSubtag
	case isPrivateUseSingleton(lang):
		return checkPrivateUse(&sc)
	case len(lang) < 2 || !allAlpha(lang):
		return "primary language subtag is not 2-8 letters"
	case strict && (len(lang) > 3 || toLowerASCII(lang) != lang):
		return "primary language subtag is not 2-3 lower-case letters"
	}
	tag, ok := sc.next()
	if len(lang) <= 3 { // extlang
		for i := 0; i < 3 && ok && len(tag) == 3 && allAlpha(tag); i++ {
			tag, ok = sc.next()
		}
	}
	if ok && len(tag) == 4 && allAlpha(tag) { // script
		tag, ok = sc.next()
	}
	if ok && (len(tag) == 2 && allAlpha(tag) || len(tag) == 3 && allDigit(tag)) { // region
		tag, ok = sc.next()
	}
	variants := sc.last
	for ok && (len(tag) >= 5 || len(tag) == 4 && isDigit(tag[0])) {
		if strict && containsFold(raw[variants:sc.last], tag) {
			return "variant subtag repeated"
		}
		tag, ok = sc.next()
	}
	var singletons uint64
	for ok && len(tag) == 1 && !isPrivateUseSingleton(tag) {
		bit := uint64(1) << alnumIndex(tag[0])
		if strict && singletons&bit != 0 {
			return "extension singleton repeated"
		}
		singletons |= bit
		n := 0
		for tag, ok = sc.next(); ok && len(tag) >= 2; tag, ok = sc.next() {
			n++
		}
		if n == 0 {
			return "extension singleton without a subtag of 2-8 characters"
		}
	}
	switch {
	case ok && isPrivateUseSingleton(tag):
		return checkPrivateUse(&sc)
	case sc.bad:
		return malformedSubtag
	case ok:
		return "subtag out of place"
	}
	return ""
}

// checkPrivateUse checks the subtags after an "x" singleton.
func checkPrivateUse(sc *subtags) string {
	n := 0
	for _, ok := sc.next(); ok; _, ok = sc.next() {
		n++
	}
	switch {
	case sc.bad:
		return malformedSubtag
	case n == 0:
		return "private use singleton without a subtag"
	}
	return ""
}

// subtags walks the '-'-separated subtags of a tag.
type subtags struct {
	s    string
	pos  int  // offset of the next subtag; past len(s) at the end
	last int  // offset of the subtag last returned
	bad  bool // a malformed subtag was met
}

// next returns the next subtag, or false at the end of the tag or at a
// subtag that is empty, longer than 8 bytes or not alphanumeric (which
// sets bad).
func (sc *subtags) next() (string, bool) {
	if sc.bad || sc.pos > len(sc.s) {
		return "", false
	}
	rest := sc.s[sc.pos:]
	i := strings.IndexByte(rest, '-')
	if i < 0 {
		i = len(rest)
	}
	tag := rest[:i]
	if tag == "" || len(tag) > 8 || !allAlnum(tag) {
		sc.bad = true
		return "", false
	}
	sc.last = sc.pos
	sc.pos += i + 1
	return tag, true
}

// containsFold reports whether tag is, without regard to case, one of the
// subtags of list, which ends in '-'.
func containsFold(list, tag string) bool {
	for list != "" {
		i := strings.IndexByte(list, '-')
		if equalFoldASCII(list[:i], tag) {
			return true
		}
		list = list[i+1:]
	}
	return false
}

// isPrivateUseSingleton reports whether tag is "x" or "X".
func isPrivateUseSingleton(tag string) bool { return tag == "x" || tag == "X" }

// isGrandfathered reports whether s is a grandfathered tag.
func isGrandfathered(s string) bool {
	for rest := grandfathered; rest != ""; {
		var g string
		g, rest, _ = strings.Cut(rest, "|")
		if equalFoldASCII(g, s) {
			return true
		}
	}
	return false
}

// alnumIndex maps 0-9 a-z A-Z to 0-35, folding case.
func alnumIndex(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case isUpper(c):
		return int(c-'A') + 10
	}
	return int(c-'a') + 10
}

func allAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlpha(s[i]) {
			return false
		}
	}
	return true
}

func allDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func allAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// IsZero reports whether l is the zero Language.
func (l Language) IsZero() bool { return l.s == "" }

// String returns the tag exactly as parsed, or "" for the zero Language.
func (l Language) String() string { return l.s }

// MarshalText returns the tag as text. It fails for the zero Language.
func (l Language) MarshalText() ([]byte, error) {
	if l.s == "" {
		return nil, zeroValue(ErrInvalidLanguage)
	}
	return []byte(l.s), nil
}

// UnmarshalText parses text with ParseLanguage into l.
func (l *Language) UnmarshalText(text []byte) error {
	v, err := ParseLanguage(string(text))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
