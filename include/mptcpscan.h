/*
 * mptcpscan.h: the C ABI of mptcpscan (libmptcpscan.so / libmptcpscan.a).
 *
 * Generated from capi/src by cbindgen (make header): do not edit by hand.
 *
 * Conventions (all functions):
 *  - Fallible functions return an mptcpscan_result: MPTCPSCAN_RESULT_OK (0) or an error code
 *    (mptcpscan_strerror names it). Panics never cross into C.
 *  - NULL pointers, short buffers and out-of-range enum integers are error codes.
 *  - Inputs come first, outputs last; outputs are written only on success.
 *  - Enum values cross as integers (uint8_t/uint32_t fields and arguments); the named
 *    constants below are the valid values.
 *  - Per-packet functions allocate nothing and write only into caller buffers.
 *  - Thread safety: every function is reentrant; a handle (if any) must not be used by two
 *    threads at once.
 */

#ifndef MPTCPSCAN_H
#define MPTCPSCAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/**
 * Option kind 0: end of option list.
 */
#define MPTCPSCAN_OPTION_KIND_EOL 0

/**
 * Option kind 1: no-operation (padding).
 */
#define MPTCPSCAN_OPTION_KIND_NOP 1

/**
 * Option kind 2: maximum segment size.
 */
#define MPTCPSCAN_OPTION_KIND_MSS 2

/**
 * Option kind 3: window scale.
 */
#define MPTCPSCAN_OPTION_KIND_WINDOW_SCALE 3

/**
 * Option kind 4: SACK permitted.
 */
#define MPTCPSCAN_OPTION_KIND_SACK_PERMITTED 4

/**
 * Option kind 5: SACK blocks.
 */
#define MPTCPSCAN_OPTION_KIND_SACK 5

/**
 * Option kind 8: timestamps.
 */
#define MPTCPSCAN_OPTION_KIND_TIMESTAMP 8

/**
 * Option kind 30: Multipath TCP.
 */
#define MPTCPSCAN_OPTION_KIND_MPTCP 30

/**
 * The largest TCP option area: 40 bytes (data offset 15).
 */
#define MPTCPSCAN_MAX_OPTIONS_LEN 40

/**
 * The ABI major version this header describes: the shared library's SONAME is
 * `libmptcpscan.so.<major>`.
 */
#define MPTCPSCAN_ABI_MAJOR 0

/**
 * The ABI minor version this header describes (functions and codes added compatibly).
 */
#define MPTCPSCAN_ABI_MINOR 1

/**
 * The outcome of a call: `MPTCPSCAN_RESULT_OK` (0) or the reason it failed.
 *
 * Codes are grouped by hundreds: 0–99 the call itself (pointers, buffers, arguments), 100–199 the
 * TCP option walk. A new code may appear in a minor ABI version, so hosts should treat an unknown
 * non-zero code as a failure and print it with `mptcpscan_strerror`.
 */
enum mptcpscan_result
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Success: the outputs are written.
     */
    MPTCPSCAN_RESULT_OK = 0,
    /**
     * A required pointer argument was NULL.
     */
    MPTCPSCAN_RESULT_NULL_PARAMETER = 1,
    /**
     * The caller's output buffer is too small for the result; nothing was written.
     */
    MPTCPSCAN_RESULT_BUFFER_TOO_SHORT = 2,
    /**
     * An integer argument is out of range (an unknown enum value, flag bits, an offset past the
     * end of its buffer) or arguments contradict each other.
     */
    MPTCPSCAN_RESULT_INVALID_ARGUMENT = 3,
    /**
     * A bug inside the library was caught at the boundary; please report it.
     */
    MPTCPSCAN_RESULT_PANIC = 4,
    /**
     * Input buffers overlap an output buffer.
     */
    MPTCPSCAN_RESULT_OVERLAPPING_BUFFERS = 5,
    /**
     * A pointer is not aligned for its type.
     */
    MPTCPSCAN_RESULT_MISALIGNED = 6,
    /**
     * What was asked for is not in the input (e.g. no MPTCP option in an option area).
     */
    MPTCPSCAN_RESULT_NOT_FOUND = 7,
    /**
     * A multi-byte TCP option is the last byte of the area: it has no length byte.
     */
    MPTCPSCAN_RESULT_OPTION_MISSING_LENGTH = 100,
    /**
     * A TCP option's length byte is 0 or 1.
     */
    MPTCPSCAN_RESULT_OPTION_LENGTH_TOO_SMALL = 101,
    /**
     * A TCP option's length runs past the end of the option area.
     */
    MPTCPSCAN_RESULT_OPTION_TRUNCATED = 102,
    /**
     * A fixed-size TCP option (MSS, window scale, SACK permitted, timestamps) or SACK has a length
     * its definition does not allow.
     */
    MPTCPSCAN_RESULT_OPTION_WRONG_LENGTH = 103,
    /**
     * An option would be longer than its one-byte length field can say.
     */
    MPTCPSCAN_RESULT_OPTION_TOO_LONG = 104,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_result mptcpscan_result;
#else
typedef uint32_t mptcpscan_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * One TCP option found by the walk, as offsets into the walked area plus the decoded values of
 * the kinds a scanner compares.
 */
typedef struct mptcpscan_tcp_option {
    /**
     * Offset of the option's kind byte in the area.
     */
    size_t offset;
    /**
     * The option's total length in bytes, kind and length bytes included (1 for EOL and NOP).
     * For kind 30, `area + offset` and `length` are what `mptcpscan_mptcp_parse` takes.
     */
    size_t length;
    /**
     * Where the walk continues: `offset + length`, or the area's length after EOL (the rest is
     * padding). A loop ends when `next` reaches the area's length.
     */
    size_t next;
    /**
     * Offset of the bytes after the length byte (SACK blocks, an unknown kind's payload).
     */
    size_t data_offset;
    /**
     * Number of bytes after the length byte (0 for EOL and NOP).
     */
    size_t data_length;
    /**
     * Timestamps (kind 8): TSval; 0 for other kinds.
     */
    uint32_t tsval;
    /**
     * Timestamps (kind 8): TSecr; 0 for other kinds.
     */
    uint32_t tsecr;
    /**
     * Maximum segment size (kind 2); 0 for other kinds.
     */
    uint16_t mss;
    /**
     * The option kind (`MPTCPSCAN_OPTION_KIND_*` or any other value).
     */
    uint8_t kind;
    /**
     * Window scale shift count (kind 3); 0 for other kinds.
     */
    uint8_t window_scale;
} mptcpscan_tcp_option;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Describes a result code in English.
 *
 * Reads `code` (any integer, typically an `mptcpscan_result`). Returns a static NUL-terminated
 * string that lives as long as the library is loaded and must not be freed; an unknown code gives
 * "unknown mptcpscan result code". Never fails.
 */
const char *mptcpscan_strerror(uint32_t code);

/**
 * Decodes the single TCP option that starts at `offset` in an option area.
 *
 * Reads `area_len` bytes at `area` (the bytes between the fixed 20-byte TCP header and the
 * payload) and decodes the option at `offset`. On success writes it to `*option`; walk a whole
 * area with `for (off = 0; off < area_len; off = opt.next)`.
 *
 * Errors: `NULL_PARAMETER` (`area` or `option` NULL), `INVALID_ARGUMENT` (`offset >= area_len`),
 * `OPTION_MISSING_LENGTH`, `OPTION_LENGTH_TOO_SMALL`, `OPTION_TRUNCATED`,
 * `OPTION_WRONG_LENGTH` (the option at `offset` is malformed: the walk cannot go on).
 */
mptcpscan_result mptcpscan_option_next(const uint8_t *area,
                                       size_t area_len,
                                       size_t offset,
                                       struct mptcpscan_tcp_option *option);

/**
 * Walks a whole option area into a caller array.
 *
 * Reads `area_len` bytes at `area`. On success writes the options in order to
 * `options[0..*count]` (EOL included, the padding after it not) and their number to `*count`.
 * An empty area is a success with `*count == 0`.
 *
 * Errors: `NULL_PARAMETER` (`area`, `options` or `count` NULL), `BUFFER_TOO_SHORT` (more than
 * `capacity` options; `MPTCPSCAN_MAX_OPTIONS_LEN` entries always suffice), and the
 * `OPTION_*` code of the first malformed option. On error nothing is written.
 */
mptcpscan_result mptcpscan_options_walk(const uint8_t *area,
                                        size_t area_len,
                                        struct mptcpscan_tcp_option *options,
                                        size_t capacity,
                                        size_t *count);

/**
 * Finds the first MPTCP option (kind 30) in an option area.
 *
 * Reads `area_len` bytes at `area`. On success writes the option's offset to `*offset` and its
 * whole length (kind and length bytes included) to `*length`: pass `area + *offset` and
 * `*length` to `mptcpscan_mptcp_parse`. Options before a malformed one are searched, the rest is
 * not.
 *
 * Errors: `NULL_PARAMETER` (any pointer NULL), `NOT_FOUND` (no MPTCP option before the end,
 * EOL or a malformed option).
 */
mptcpscan_result mptcpscan_options_find_mptcp(const uint8_t *area,
                                              size_t area_len,
                                              size_t *offset,
                                              size_t *length);

/**
 * Returns the library's version as a static NUL-terminated string such as "0.1.0".
 *
 * Reads nothing. The string lives as long as the library is loaded and must not be freed.
 * Never fails.
 */
const char *mptcpscan_version(void);

/**
 * Returns the ABI version of the loaded library as `(major << 16) | minor`.
 *
 * A host compiled against this header should check at start-up that
 * `mptcpscan_abi_version() >> 16 == MPTCPSCAN_ABI_MAJOR` and
 * `(mptcpscan_abi_version() & 0xffff) >= MPTCPSCAN_ABI_MINOR`. Reads nothing; never fails.
 */
uint32_t mptcpscan_abi_version(void);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* MPTCPSCAN_H */
