package lexicon

import "github.com/boltsky/boltsky/atp"

// ValidationStatus is the "validationStatus" that a record write reports.
type ValidationStatus string

// The validation statuses. The empty status means that validation was
// turned off (validate=false): the response then leaves the field out, as
// the reference server does.
const (
	StatusValid   ValidationStatus = "valid"
	StatusUnknown ValidationStatus = "unknown"
)

// WriteValidation decides whether a write to collection is checked
// against its lexicon, from the write's "validate" option:
//
//   - validate unset (nil): checked when the catalog knows the collection
//     (status "valid"), else written unchecked (status "unknown");
//   - validate true: the collection must be known, else the error, an
//     *Error wrapping ErrInvalid and ErrNotFound, reads
//     "Unknown lexicon type: <collection>";
//   - validate false: never checked, and the status is empty.
//
// The status is the one to report once the record has passed the check.
// The data-model rules apply in every case; they are the decoder's.
func (c *Catalog) WriteValidation(collection string, validate *bool) (check bool, status ValidationStatus, err error) {
	if validate != nil && !*validate {
		return false, "", nil
	}
	if _, ok := c.records[collection]; ok {
		return true, StatusValid, nil
	}
	if validate != nil {
		return false, "", &Error{Reason: "Unknown lexicon type: " + collection, cause: ErrNotFound}
	}
	return false, StatusUnknown, nil
}

// ValidateWrite runs the lexicon step of a record create or update: it
// decides with WriteValidation, and when the record is to be checked,
// checks the record key against the collection's key type (unless rkey is
// the zero RecordKey) and the record with ValidateRecord. It returns the
// status to report.
//
// The caller has already put "$type" (the collection) into rec when the
// client left it out, and refused a "$type" that names another collection.
func (c *Catalog) ValidateWrite(collection string, rkey atp.RecordKey, rec map[string]any, validate *bool) (ValidationStatus, error) {
	check, status, err := c.WriteValidation(collection, validate)
	if err != nil || !check {
		return status, err
	}
	if !rkey.IsZero() {
		if err := c.records[collection].CheckKey(rkey); err != nil {
			return "", err
		}
	}
	if err := c.ValidateRecord(collection, rec); err != nil {
		return "", err
	}
	return status, nil
}
