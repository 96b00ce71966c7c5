package annoy

/*
#include "annoy.h"
*/
import "C"

import "errors"

// Code is a status code of the C library (annoy_status). Codes are never reused.
type Code int32

// The library's status codes.
const (
	CodeOK              Code = C.ANNOY_OK
	CodeNull            Code = C.ANNOY_E_NULL
	CodeInvalidArgument Code = C.ANNOY_E_INVALID_ARGUMENT
	CodeDimension       Code = C.ANNOY_E_DIMENSION
	CodeNotFinite       Code = C.ANNOY_E_NOT_FINITE
	CodeUnknownItem     Code = C.ANNOY_E_UNKNOWN_ITEM
	CodeState           Code = C.ANNOY_E_STATE
	CodeIO              Code = C.ANNOY_E_IO
	CodeCorrupt         Code = C.ANNOY_E_CORRUPT
	CodeBufferTooSmall  Code = C.ANNOY_E_BUFFER_TOO_SMALL
	CodeUnknownMetric   Code = C.ANNOY_E_UNKNOWN_METRIC
	CodePanic           Code = C.ANNOY_E_PANIC
	CodeCancelled       Code = C.ANNOY_E_CANCELLED
)

// String returns the library's static description of the code (annoy_status_str).
func (c Code) String() string {
	return C.GoString(C.annoy_status_str(C.int32_t(c)))
}

// Error is what every failing call returns: the library's status code and its message
// ("vector has 12 values, index dimension is 16").
//
// Compare codes with errors.Is against the sentinels below (errors.Is(err, annoy.ErrDimension)),
// or take the *Error out with errors.As to read Code and Message.
type Error struct {
	Code    Code
	Message string
	wrapped error
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "annoy: " + e.Code.String()
	}
	return "annoy: " + e.Message
}

// Is reports whether target is the sentinel of e's code: sentinels are the *Error values
// with a code and no message (ErrDimension, ErrState, ...).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.wrapped == nil && t.Code == e.Code
}

// Unwrap gives ErrClosed for calls on a closed index, nil otherwise.
func (e *Error) Unwrap() error { return e.wrapped }

// Sentinels for errors.Is, one per status code.
var (
	ErrNull            = &Error{Code: CodeNull}
	ErrInvalidArgument = &Error{Code: CodeInvalidArgument}
	ErrDimension       = &Error{Code: CodeDimension}
	ErrNotFinite       = &Error{Code: CodeNotFinite}
	ErrUnknownItem     = &Error{Code: CodeUnknownItem}
	ErrState           = &Error{Code: CodeState}
	ErrIO              = &Error{Code: CodeIO}
	ErrCorrupt         = &Error{Code: CodeCorrupt}
	ErrBufferTooSmall  = &Error{Code: CodeBufferTooSmall}
	ErrUnknownMetric   = &Error{Code: CodeUnknownMetric}
	ErrPanic           = &Error{Code: CodePanic}
	ErrCancelled       = &Error{Code: CodeCancelled}
)

// ErrClosed is matched (errors.Is) by the error of any call on a closed Index. That error is
// an *Error with CodeState, so errors.Is(err, ErrState) holds as well.
var ErrClosed = errors.New("annoy: index is closed")

func errClosed() error {
	return &Error{Code: CodeState, Message: "index is closed", wrapped: ErrClosed}
}

func errInvalid(msg string) error {
	return &Error{Code: CodeInvalidArgument, Message: msg}
}

// check turns a status and its optional error object into a Go error, freeing the object.
func check(status C.enum_annoy_status, cerr *C.annoy_error) error {
	if status == C.ANNOY_OK {
		if cerr != nil { // never set on success; free it should that change
			C.annoy_error_free(cerr)
		}
		return nil
	}
	e := &Error{Code: Code(status)}
	if cerr != nil {
		e.Message = C.GoString(C.annoy_error_message(cerr))
		C.annoy_error_free(cerr)
	}
	return e
}
