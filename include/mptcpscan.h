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
 * `mptcpscan_address.family` of an IPv4 address.
 */
#define MPTCPSCAN_ADDRESS_FAMILY_IPV4 4

/**
 * `mptcpscan_address.family` of an IPv6 address.
 */
#define MPTCPSCAN_ADDRESS_FAMILY_IPV6 6

/**
 * Reply signal: our v0 key came back unchanged (decisive).
 */
#define MPTCPSCAN_SIGNAL_KEY_ECHOED (1 << 0)

/**
 * Reply signal: our v0 key came back with 1 to 8 bits changed (decisive).
 */
#define MPTCPSCAN_SIGNAL_KEY_NEAR (1 << 1)

/**
 * Reply signal: the reply's option area is our SYN's, byte for byte (decisive).
 */
#define MPTCPSCAN_SIGNAL_BLOCK_ECHOED (1 << 2)

/**
 * Reply signal: the reply's MP_CAPABLE is ours, byte for byte (decisive).
 */
#define MPTCPSCAN_SIGNAL_MP_CAPABLE_ECHOED (1 << 3)

/**
 * Reply signal: the reply's MP_CAPABLE has no key (decisive).
 */
#define MPTCPSCAN_SIGNAL_NO_KEY (1 << 4)

/**
 * Reply signal: the reply's MP_CAPABLE announces a higher version than offered (suspicious).
 */
#define MPTCPSCAN_SIGNAL_VERSION_ABOVE_OFFERED (1 << 8)

/**
 * Reply signal: the reply's TSval is ours (suspicious).
 */
#define MPTCPSCAN_SIGNAL_TS_ECHOED (1 << 9)

/**
 * Reply signal: the reply's TSecr is not our TSval (informational).
 */
#define MPTCPSCAN_SIGNAL_TSECR_WRONG (1 << 10)

/**
 * Reply signal: our option layout came back with options blanked or the key replaced
 * (suspicious).
 */
#define MPTCPSCAN_SIGNAL_LAYOUT_ECHOED (1 << 11)

/**
 * Reply signal: the reply's key has a Hamming weight of at most 8 or at least 56 (suspicious).
 */
#define MPTCPSCAN_SIGNAL_KEY_LOW_ENTROPY (1 << 12)

/**
 * Reply signal: the reply's MP_CAPABLE has a third-ACK length (suspicious).
 */
#define MPTCPSCAN_SIGNAL_ACK_LENGTH (1 << 13)

/**
 * Reply signal: our unusually small MSS came back (suspicious).
 */
#define MPTCPSCAN_SIGNAL_MSS_ECHOED (1 << 14)

/**
 * Reply signal: the reply's window scale equals ours (informational).
 */
#define MPTCPSCAN_SIGNAL_WINDOW_SCALE_ECHOED (1 << 16)

/**
 * Reply signal: the reply's window equals our SYN's (informational).
 */
#define MPTCPSCAN_SIGNAL_WINDOW_ECHOED (1 << 17)

/**
 * Reply signal: another MPTCP subtype in the SYN-ACK (informational).
 */
#define MPTCPSCAN_SIGNAL_OTHER_MPTCP (1 << 18)

/**
 * Reply signal: more than one MP_CAPABLE; the first was classified (informational).
 */
#define MPTCPSCAN_SIGNAL_DUPLICATE_MP_CAPABLE (1 << 19)

/**
 * The decisive signals: any of them makes a reply with MP_CAPABLE `MIRRORED`.
 */
#define MPTCPSCAN_SIGNALS_DECISIVE 31

/**
 * The suspicious signals: without a decisive one, any of them makes it `SUSPICIOUS`.
 */
#define MPTCPSCAN_SIGNALS_SUSPICIOUS 31488

/**
 * The informational signals, which never change a verdict.
 */
#define MPTCPSCAN_SIGNALS_INFORMATIONAL 984064

/**
 * Host signal: both replies carry the same key.
 */
#define MPTCPSCAN_HOST_SIGNAL_SAME_KEY (1 << 0)

/**
 * Host signal: the v1 probe's reply carries the key our v0 probe sent.
 */
#define MPTCPSCAN_HOST_SIGNAL_CROSS_ECHO (1 << 1)

/**
 * Host signal: the two replies arrived with different TTLs.
 */
#define MPTCPSCAN_HOST_SIGNAL_TTL_DIFFERS (1 << 2)

/**
 * Host signal: the v1 probe was answered with a v0 MP_CAPABLE.
 */
#define MPTCPSCAN_HOST_SIGNAL_V1_ANSWERED_WITH_V0 (1 << 3)

/**
 * `ttl` argument of `mptcpscan_classify_tcp` when the reply's TTL is not known.
 */
#define MPTCPSCAN_TTL_UNKNOWN 256

/**
 * The size of the largest full HMAC (HMAC-SHA256).
 */
#define MPTCPSCAN_MAX_HMAC_LEN 32

/**
 * The size of the truncated HMAC an MP_JOIN third ACK carries (160 bits).
 */
#define MPTCPSCAN_JOIN_ACK_HMAC_LEN 20

/**
 * The size of the truncated HMACs an MP_JOIN SYN-ACK and a v1 ADD_ADDR carry (64 bits).
 */
#define MPTCPSCAN_SHORT_HMAC_LEN 8

/**
 * MP_CAPABLE flag A: the sender requires DSS checksums.
 */
#define MPTCPSCAN_CAPABLE_FLAG_CHECKSUM 128

/**
 * MP_CAPABLE flag B: extensibility (Linux drops SYNs that set it).
 */
#define MPTCPSCAN_CAPABLE_FLAG_EXTENSIBILITY 64

/**
 * MP_CAPABLE flag C (v1): do not open subflows to this packet's source address.
 */
#define MPTCPSCAN_CAPABLE_FLAG_NO_SOURCE_ADDRESS 32

/**
 * MP_CAPABLE flag H: HMAC-SHA256 in v1, HMAC-SHA1 in v0.
 */
#define MPTCPSCAN_CAPABLE_FLAG_HMAC 1

/**
 * DSS flag A: a data ACK is present.
 */
#define MPTCPSCAN_DSS_FLAG_DATA_ACK 1

/**
 * DSS flag a: the data ACK is 8 bytes.
 */
#define MPTCPSCAN_DSS_FLAG_DATA_ACK_8 2

/**
 * DSS flag M: a mapping is present.
 */
#define MPTCPSCAN_DSS_FLAG_MAPPING 4

/**
 * DSS flag m: the mapping's DSN is 8 bytes.
 */
#define MPTCPSCAN_DSS_FLAG_DSN_8 8

/**
 * DSS flag F: DATA_FIN.
 */
#define MPTCPSCAN_DSS_FLAG_DATA_FIN 16

/**
 * MP_JOIN and MP_PRIO flag B: backup subflow.
 */
#define MPTCPSCAN_BACKUP_FLAG 1

/**
 * ADD_ADDR (v1) flag E: an echo, without HMAC.
 */
#define MPTCPSCAN_ADD_ADDR_FLAG_ECHO 1

/**
 * MP_TCPRST flag T: the error is transient.
 */
#define MPTCPSCAN_TCPRST_FLAG_TRANSIENT 1

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
 * A buffer this long always holds the `optionstext` of a 40-byte option area and its NUL (the
 * longest is 40 NOPs: 159 characters).
 */
#define MPTCPSCAN_OPTIONS_TEXT_LEN 256

/**
 * The largest IPv4 SYN a template writes: 20 + 20 + 40 bytes.
 */
#define MPTCPSCAN_MAX_SYN_V4_LEN 80

/**
 * The largest IPv6 SYN a template writes: 40 + 20 + 40 bytes.
 */
#define MPTCPSCAN_MAX_SYN_V6_LEN 100

/**
 * The v0 key of the 2020/2021 scans (Hamming weight 16).
 */
#define MPTCPSCAN_STUDY2021_KEY 868082074056920076

/**
 * The most changes one diff lists: a `changes` array of this many entries always suffices.
 */
#define MPTCPSCAN_QUOTE_MAX_CHANGES 48

/**
 * Possible Hamming weights of a 64-bit key (0 to 64).
 */
#define MPTCPSCAN_KEY_WEIGHTS 65

/**
 * Most MPTCP options one segment's findings hold (40 bytes of options, 4 at least each).
 */
#define MPTCPSCAN_TRACK_MAX_OPTIONS 10

/**
 * `mptcpscan_option_finding.join_token`: an MP_JOIN SYN's token not looked up (not a SYN).
 */
#define MPTCPSCAN_JOIN_TOKEN_NONE 0

/**
 * The token belongs to no connection of the capture.
 */
#define MPTCPSCAN_JOIN_TOKEN_UNKNOWN 1

/**
 * The token belongs to connection `join_connection`, first seen in frame `join_first_frame`.
 */
#define MPTCPSCAN_JOIN_TOKEN_KNOWN 2

/**
 * `mptcpscan_findings.events` bits: a new subflow.
 */
#define MPTCPSCAN_EVENT_SUBFLOW_OPENED (1 << 0)

/**
 * A new connection.
 */
#define MPTCPSCAN_EVENT_CONNECTION_OPENED (1 << 1)

/**
 * The subflow's handshake completed with MPTCP.
 */
#define MPTCPSCAN_EVENT_SUBFLOW_ESTABLISHED (1 << 2)

/**
 * The subflow's handshake failed.
 */
#define MPTCPSCAN_EVENT_SUBFLOW_FAILED (1 << 3)

/**
 * An MP_JOIN subflow was attached to its connection.
 */
#define MPTCPSCAN_EVENT_JOINED (1 << 4)

/**
 * An MP_CAPABLE SYN was answered without MPTCP.
 */
#define MPTCPSCAN_EVENT_FALLBACK (1 << 5)

/**
 * DATA_FIN.
 */
#define MPTCPSCAN_EVENT_DATA_FIN (1 << 6)

/**
 * MP_FAIL.
 */
#define MPTCPSCAN_EVENT_MP_FAIL (1 << 7)

/**
 * MP_FASTCLOSE.
 */
#define MPTCPSCAN_EVENT_FASTCLOSE (1 << 8)

/**
 * MP_TCPRST.
 */
#define MPTCPSCAN_EVENT_MP_TCPRST (1 << 9)

/**
 * A DSS checksum did not verify.
 */
#define MPTCPSCAN_EVENT_BAD_CHECKSUM (1 << 10)

/**
 * The ABI major version this header describes: the shared library's SONAME is
 * `libmptcpscan.so.<major>`.
 */
#define MPTCPSCAN_ABI_MAJOR 0

/**
 * The ABI minor version this header describes (functions and codes added compatibly).
 */
#define MPTCPSCAN_ABI_MINOR 3

/**
 * The outcome of a call: `MPTCPSCAN_RESULT_OK` (0) or the reason it failed.
 *
 * Codes are grouped by hundreds: 0–99 the call itself (pointers, buffers, arguments), 100–199 the
 * TCP option walk, 200–299 MPTCP options, 400–499 packet headers, 500–599 quote diffs. A new code may appear in a
 * minor ABI version, so hosts should treat an unknown non-zero code as a failure and print it
 * with `mptcpscan_strerror`.
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
     * An option is longer than its one-byte length field, or its variable part longer than the
     * 40-byte option area, allows.
     */
    MPTCPSCAN_RESULT_OPTION_TOO_LONG = 104,
    /**
     * The option is not kind 30 (MPTCP).
     */
    MPTCPSCAN_RESULT_MPTCP_NOT_MPTCP = 200,
    /**
     * The option is shorter than kind, length and subtype (3 bytes).
     */
    MPTCPSCAN_RESULT_MPTCP_TOO_SHORT = 201,
    /**
     * The option's length byte disagrees with the number of bytes given.
     */
    MPTCPSCAN_RESULT_MPTCP_LENGTH_MISMATCH = 202,
    /**
     * The option's subtype is not the one the decoder handles.
     */
    MPTCPSCAN_RESULT_MPTCP_WRONG_SUBTYPE = 203,
    /**
     * The option's length is not one its subtype (and flags) allow.
     */
    MPTCPSCAN_RESULT_MPTCP_BAD_LENGTH = 204,
    /**
     * A field holds a value its subtype does not allow (e.g. an ADD_ADDR v0 IP version).
     */
    MPTCPSCAN_RESULT_MPTCP_BAD_VALUE = 205,
    /**
     * The fields given for encoding make no valid layout.
     */
    MPTCPSCAN_RESULT_MPTCP_UNREPRESENTABLE = 206,
    /**
     * A packet is shorter than its headers say or need.
     */
    MPTCPSCAN_RESULT_WIRE_TRUNCATED = 400,
    /**
     * An IP header has another version than expected.
     */
    MPTCPSCAN_RESULT_WIRE_VERSION = 401,
    /**
     * A header length field is shorter than the fixed header.
     */
    MPTCPSCAN_RESULT_WIRE_HEADER_LENGTH = 402,
    /**
     * An IPv4 total length is shorter than its header.
     */
    MPTCPSCAN_RESULT_WIRE_TOTAL_LENGTH = 403,
    /**
     * A packet carries another protocol than expected (e.g. not TCP).
     */
    MPTCPSCAN_RESULT_WIRE_PROTOCOL = 404,
    /**
     * An ICMP message is not an error quoting a packet.
     */
    MPTCPSCAN_RESULT_WIRE_NOT_AN_ERROR = 405,
    /**
     * The packet given as sent is not an IPv4/IPv6 TCP packet.
     */
    MPTCPSCAN_RESULT_QUOTE_SENT_INVALID = 500,
    /**
     * The quote is IPv4 and the sent packet IPv6, or the reverse.
     */
    MPTCPSCAN_RESULT_QUOTE_FAMILY_MISMATCH = 501,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_result mptcpscan_result;
#else
typedef uint32_t mptcpscan_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What a v1 ADD_ADDR HMAC turned out to be.
 */
enum mptcpscan_add_addr_check
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * The rightmost 64 bits of the HMAC, as RFC 8684 specifies.
     */
    MPTCPSCAN_ADD_ADDR_CHECK_VALID = 0,
    /**
     * The leftmost 64 bits: a sender implementing a pre-RFC draft (Linux 5.6 to 5.8).
     */
    MPTCPSCAN_ADD_ADDR_CHECK_PRE_RFC_TRUNCATION = 1,
    /**
     * Neither: wrong keys, a rewritten address or port, or a corrupted option.
     */
    MPTCPSCAN_ADD_ADDR_CHECK_INVALID = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_add_addr_check mptcpscan_add_addr_check;
#else
typedef uint32_t mptcpscan_add_addr_check;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What one `mptcpscan_quote_change` describes.
 */
enum mptcpscan_change_type
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * An IP header field (`field`: an `mptcpscan_ip_field`).
     */
    MPTCPSCAN_CHANGE_TYPE_IP = 0,
    /**
     * A TCP header field (`field`: an `mptcpscan_tcp_field`).
     */
    MPTCPSCAN_CHANGE_TYPE_TCP = 1,
    /**
     * `count` more options of kind `option_kind` in the quote than sent.
     */
    MPTCPSCAN_CHANGE_TYPE_OPTION_ADDED = 2,
    /**
     * `count` fewer options of kind `option_kind` in the quote than sent.
     */
    MPTCPSCAN_CHANGE_TYPE_OPTION_REMOVED = 3,
    /**
     * A field of an option both carry (`option_kind`; `field`: an `mptcpscan_option_field`).
     */
    MPTCPSCAN_CHANGE_TYPE_OPTION_CHANGED = 4,
    /**
     * The quote's options do not walk (`error`: the `OPTION_*` code, `error_offset`).
     */
    MPTCPSCAN_CHANGE_TYPE_OPTIONS_MALFORMED = 5,
    /**
     * A change to our MP_CAPABLE (`field`: an `mptcpscan_mptcp_change`).
     */
    MPTCPSCAN_CHANGE_TYPE_MPTCP = 6,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_change_type mptcpscan_change_type;
#else
typedef uint32_t mptcpscan_change_type;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The outcome of one check, as `mptcpscan_check_name` names it.
 */
enum mptcpscan_check
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * No such check on this option.
     */
    MPTCPSCAN_CHECK_NONE = 0,
    /**
     * "valid".
     */
    MPTCPSCAN_CHECK_VALID = 1,
    /**
     * "invalid".
     */
    MPTCPSCAN_CHECK_INVALID = 2,
    /**
     * "pre-rfc-truncation": an ADD_ADDR HMAC truncated the pre-RFC way (Linux 5.6 to 5.8).
     */
    MPTCPSCAN_CHECK_PRE_RFC_TRUNCATION = 3,
    /**
     * "spans-segments": the DSS mapping goes on in later segments.
     */
    MPTCPSCAN_CHECK_SPANS_SEGMENTS = 4,
    /**
     * "unverifiable": the capture lacks what the check needs (`mptcpscan_unverifiable` says
     * what).
     */
    MPTCPSCAN_CHECK_UNVERIFIABLE = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_check mptcpscan_check;
#else
typedef uint32_t mptcpscan_check;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The options a probe sends beside MP_CAPABLE.
 */
enum mptcpscan_companions
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * As Linux: MSS, SACK permitted, timestamps, NOP, window scale.
     */
    MPTCPSCAN_COMPANIONS_LINUX = 0,
    /**
     * As Windows: MSS, NOP, window scale, NOP, NOP, SACK permitted.
     */
    MPTCPSCAN_COMPANIONS_WINDOWS = 1,
    /**
     * As FreeBSD: MSS, NOP, window scale, SACK permitted, timestamps.
     */
    MPTCPSCAN_COMPANIONS_BSD = 2,
    /**
     * MP_CAPABLE alone.
     */
    MPTCPSCAN_COMPANIONS_MINIMAL = 3,
    /**
     * The 2020/2021 study's exact block (MSS 1, SACK permitted, TS 0x0f0f0f01/0, NOP, window
     * scale 0); the spec's MSS, window scale and TSval are ignored.
     */
    MPTCPSCAN_COMPANIONS_STUDY2021 = 4,
    /**
     * `raw[0..raw_len]`, caller-given option bytes put before MP_CAPABLE unchanged.
     */
    MPTCPSCAN_COMPANIONS_RAW = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_companions mptcpscan_companions;
#else
typedef uint32_t mptcpscan_companions;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * How a connection ended, as `mptcpscan_connection_ending_name` names it.
 */
enum mptcpscan_connection_ending
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * "data_fin": DATA_FIN both ways.
     */
    MPTCPSCAN_CONNECTION_ENDING_DATA_FIN = 0,
    /**
     * "data_fin_one_way".
     */
    MPTCPSCAN_CONNECTION_ENDING_DATA_FIN_ONE_WAY = 1,
    /**
     * "fastclose": MP_FASTCLOSE.
     */
    MPTCPSCAN_CONNECTION_ENDING_FASTCLOSE = 2,
    /**
     * "mp_tcprst": every subflow closed, one with MP_TCPRST.
     */
    MPTCPSCAN_CONNECTION_ENDING_MP_TCP_RST = 3,
    /**
     * "tcp_rst": every subflow closed, one reset.
     */
    MPTCPSCAN_CONNECTION_ENDING_TCP_RST = 4,
    /**
     * "tcp_fin": every subflow closed with FIN.
     */
    MPTCPSCAN_CONNECTION_ENDING_TCP_FIN = 5,
    /**
     * "open": still open at the end of the capture.
     */
    MPTCPSCAN_CONNECTION_ENDING_OPEN = 6,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_connection_ending mptcpscan_connection_ending;
#else
typedef uint32_t mptcpscan_connection_ending;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Why a subflow's handshake failed, as `mptcpscan_fail_reason_name` names it.
 */
enum mptcpscan_fail_reason
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * "bad HMAC".
     */
    MPTCPSCAN_FAIL_REASON_BAD_HMAC = 0,
    /**
     * "unknown token".
     */
    MPTCPSCAN_FAIL_REASON_UNKNOWN_TOKEN = 1,
    /**
     * "reset".
     */
    MPTCPSCAN_FAIL_REASON_RESET = 2,
    /**
     * "no MP_JOIN in SYN-ACK".
     */
    MPTCPSCAN_FAIL_REASON_NO_JOIN_IN_SYN_ACK = 3,
    /**
     * "no answer".
     */
    MPTCPSCAN_FAIL_REASON_NO_ANSWER = 4,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_fail_reason mptcpscan_fail_reason;
#else
typedef uint32_t mptcpscan_fail_reason;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What a host's replies to a v0 and a v1 probe say together.
 */
enum mptcpscan_host_verdict
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Neither probe was answered.
     */
    MPTCPSCAN_HOST_VERDICT_NO_ANSWER = 0,
    /**
     * Only resets came back.
     */
    MPTCPSCAN_HOST_VERDICT_CLOSED = 1,
    /**
     * Plain TCP.
     */
    MPTCPSCAN_HOST_VERDICT_NOT_MPTCP = 2,
    /**
     * Real v1 only (upstream Linux).
     */
    MPTCPSCAN_HOST_VERDICT_V1_ONLY = 3,
    /**
     * Real v0 only.
     */
    MPTCPSCAN_HOST_VERDICT_V0_ONLY = 4,
    /**
     * Real v0 and v1 with different keys.
     */
    MPTCPSCAN_HOST_VERDICT_V0_AND_V1 = 5,
    /**
     * The MP_CAPABLE answers are mirrors or repeat one key.
     */
    MPTCPSCAN_HOST_VERDICT_MIRRORED = 6,
    /**
     * One answer real and the other mirrored or implausible: trace the path.
     */
    MPTCPSCAN_HOST_VERDICT_INCONSISTENT = 7,
    /**
     * A suspicious answer: trace the path.
     */
    MPTCPSCAN_HOST_VERDICT_SUSPICIOUS = 8,
    /**
     * Only malformed or unrelated packets came back.
     */
    MPTCPSCAN_HOST_VERDICT_UNCLEAR = 9,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_host_verdict mptcpscan_host_verdict;
#else
typedef uint32_t mptcpscan_host_verdict;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What kind of ICMP error a message is, across ICMPv4 and ICMPv6.
 */
enum mptcpscan_icmp_error_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * TTL or hop limit exceeded (the answer of a router on the path), or reassembly timeout.
     */
    MPTCPSCAN_ICMP_ERROR_KIND_TIME_EXCEEDED = 0,
    /**
     * Destination, port or path unreachable (filtering included).
     */
    MPTCPSCAN_ICMP_ERROR_KIND_DESTINATION_UNREACHABLE = 1,
    /**
     * Parameter problem.
     */
    MPTCPSCAN_ICMP_ERROR_KIND_PARAMETER_PROBLEM = 2,
    /**
     * ICMPv6 packet too big.
     */
    MPTCPSCAN_ICMP_ERROR_KIND_PACKET_TOO_BIG = 3,
    /**
     * ICMPv4 source quench.
     */
    MPTCPSCAN_ICMP_ERROR_KIND_SOURCE_QUENCH = 4,
    /**
     * ICMPv4 redirect.
     */
    MPTCPSCAN_ICMP_ERROR_KIND_REDIRECT = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_icmp_error_kind mptcpscan_icmp_error_kind;
#else
typedef uint32_t mptcpscan_icmp_error_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * An IP header field.
 */
enum mptcpscan_ip_field
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * IPv4 header length.
     */
    MPTCPSCAN_IP_FIELD_HEADER_LENGTH = 0,
    /**
     * IPv4 DSCP.
     */
    MPTCPSCAN_IP_FIELD_DSCP = 1,
    /**
     * IPv4 ECN bits.
     */
    MPTCPSCAN_IP_FIELD_ECN = 2,
    /**
     * IPv4 total length.
     */
    MPTCPSCAN_IP_FIELD_TOTAL_LENGTH = 3,
    /**
     * IPv4 identification.
     */
    MPTCPSCAN_IP_FIELD_IDENT = 4,
    /**
     * IPv4 flags.
     */
    MPTCPSCAN_IP_FIELD_FLAGS = 5,
    /**
     * IPv4 fragment offset.
     */
    MPTCPSCAN_IP_FIELD_FRAGMENT_OFFSET = 6,
    /**
     * IPv4 protocol.
     */
    MPTCPSCAN_IP_FIELD_PROTOCOL = 7,
    /**
     * IPv4 header checksum, beyond what the TTL change explains.
     */
    MPTCPSCAN_IP_FIELD_CHECKSUM = 8,
    /**
     * IPv6 traffic class.
     */
    MPTCPSCAN_IP_FIELD_TRAFFIC_CLASS = 9,
    /**
     * IPv6 flow label.
     */
    MPTCPSCAN_IP_FIELD_FLOW_LABEL = 10,
    /**
     * IPv6 payload length.
     */
    MPTCPSCAN_IP_FIELD_PAYLOAD_LENGTH = 11,
    /**
     * IPv6 next header.
     */
    MPTCPSCAN_IP_FIELD_NEXT_HEADER = 12,
    /**
     * Source address (`sent_address`, `quoted_address`).
     */
    MPTCPSCAN_IP_FIELD_SOURCE = 13,
    /**
     * Destination address (`sent_address`, `quoted_address`).
     */
    MPTCPSCAN_IP_FIELD_DESTINATION = 14,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_ip_field mptcpscan_ip_field;
#else
typedef uint32_t mptcpscan_ip_field;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Which MP_JOIN of a subflow handshake `mptcpscan_mp_join` holds (its length says it on the
 * wire: 12, 16 or 24).
 */
enum mptcpscan_join_stage
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * The SYN's MP_JOIN: `flags`, `addr_id`, `token`, `nonce`.
     */
    MPTCPSCAN_JOIN_STAGE_SYN = 0,
    /**
     * The SYN-ACK's MP_JOIN: `flags`, `addr_id`, 8 bytes of `hmac`, `nonce`.
     */
    MPTCPSCAN_JOIN_STAGE_SYN_ACK = 1,
    /**
     * The third ACK's MP_JOIN: `reserved`, 20 bytes of `hmac`.
     */
    MPTCPSCAN_JOIN_STAGE_ACK = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_join_stage mptcpscan_join_stage;
#else
typedef uint32_t mptcpscan_join_stage;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What happened to the MP_CAPABLE we sent (`sent`/`quoted` hold the values that changed).
 */
enum mptcpscan_mptcp_change
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Gone, its bytes not NOPs.
     */
    MPTCPSCAN_MPTCP_CHANGE_REMOVED = 0,
    /**
     * Overwritten with NOPs.
     */
    MPTCPSCAN_MPTCP_CHANGE_REPLACED_BY_NOPS = 1,
    /**
     * An MP_CAPABLE in the quote where we sent none.
     */
    MPTCPSCAN_MPTCP_CHANGE_ADDED = 2,
    /**
     * The subtype nibble changed.
     */
    MPTCPSCAN_MPTCP_CHANGE_SUBTYPE_CHANGED = 3,
    /**
     * The version nibble changed.
     */
    MPTCPSCAN_MPTCP_CHANGE_VERSION_CHANGED = 4,
    /**
     * The flags byte changed.
     */
    MPTCPSCAN_MPTCP_CHANGE_FLAGS_CHANGED = 5,
    /**
     * The option length changed.
     */
    MPTCPSCAN_MPTCP_CHANGE_LENGTH_CHANGED = 6,
    /**
     * The v0 key was rewritten (`count`: how many of its 64 bits differ).
     */
    MPTCPSCAN_MPTCP_CHANGE_KEY_REWRITTEN = 7,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_mptcp_change mptcpscan_mptcp_change;
#else
typedef uint32_t mptcpscan_mptcp_change;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What one hop did to our MP_CAPABLE, as far as its quote tells.
 */
enum mptcpscan_mptcp_hop_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Nothing to tell (silent hop, quote too short, or no MP_CAPABLE sent).
     */
    MPTCPSCAN_MPTCP_HOP_KIND_NO_INFORMATION = 0,
    /**
     * Arrived byte for byte.
     */
    MPTCPSCAN_MPTCP_HOP_KIND_INTACT = 1,
    /**
     * Removed.
     */
    MPTCPSCAN_MPTCP_HOP_KIND_REMOVED = 2,
    /**
     * Overwritten with NOPs.
     */
    MPTCPSCAN_MPTCP_HOP_KIND_REPLACED_BY_NOPS = 3,
    /**
     * The key rewritten (`hamming` bits differ).
     */
    MPTCPSCAN_MPTCP_HOP_KIND_KEY_REWRITTEN = 4,
    /**
     * Subtype, version, flags or length changed.
     */
    MPTCPSCAN_MPTCP_HOP_KIND_VERSION_OR_FLAGS_CHANGED = 5,
    /**
     * A partial quote whose IP length differs (`sent_len`, `quoted_len`): the option area grew or
     * shrank before this hop.
     */
    MPTCPSCAN_MPTCP_HOP_KIND_PARTIAL_LENGTH_CHANGED = 6,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_mptcp_hop_kind mptcpscan_mptcp_hop_kind;
#else
typedef uint32_t mptcpscan_mptcp_hop_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The MPTCP option subtypes (the high nibble of the third byte).
 */
enum mptcpscan_mptcp_subtype
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * MP_CAPABLE: `body.mp_capable`.
     */
    MPTCPSCAN_MPTCP_SUBTYPE_MP_CAPABLE = 0,
    /**
     * MP_JOIN: `body.mp_join`.
     */
    MPTCPSCAN_MPTCP_SUBTYPE_MP_JOIN = 1,
    /**
     * DSS: `body.dss`.
     */
    MPTCPSCAN_MPTCP_SUBTYPE_DSS = 2,
    /**
     * ADD_ADDR: `body.add_addr`.
     */
    MPTCPSCAN_MPTCP_SUBTYPE_ADD_ADDR = 3,
    /**
     * REMOVE_ADDR: `body.remove_addr`.
     */
    MPTCPSCAN_MPTCP_SUBTYPE_REMOVE_ADDR = 4,
    /**
     * MP_PRIO: `body.mp_prio`.
     */
    MPTCPSCAN_MPTCP_SUBTYPE_MP_PRIO = 5,
    /**
     * MP_FAIL: `body.mp_fail`.
     */
    MPTCPSCAN_MPTCP_SUBTYPE_MP_FAIL = 6,
    /**
     * MP_FASTCLOSE: `body.mp_fastclose`.
     */
    MPTCPSCAN_MPTCP_SUBTYPE_MP_FASTCLOSE = 7,
    /**
     * MP_TCPRST (v1 only): `body.mp_tcprst`.
     */
    MPTCPSCAN_MPTCP_SUBTYPE_MP_TCPRST = 8,
    /**
     * MP_EXPERIMENTAL (private use): `body.unknown`, like the unassigned subtypes 9 to 14.
     */
    MPTCPSCAN_MPTCP_SUBTYPE_MP_EXPERIMENTAL = 15,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_mptcp_subtype mptcpscan_mptcp_subtype;
#else
typedef uint32_t mptcpscan_mptcp_subtype;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * An MPTCP protocol version, as its wire value (the MP_CAPABLE version field).
 */
enum mptcpscan_mptcp_version
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * MPTCP v0, RFC 6824 (SHA-1, the sender's key in the SYN).
     */
    MPTCPSCAN_MPTCP_VERSION_V0 = 0,
    /**
     * MPTCP v1, RFC 8684 (SHA-256, no key in the SYN).
     */
    MPTCPSCAN_MPTCP_VERSION_V1 = 1,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_mptcp_version mptcpscan_mptcp_version;
#else
typedef uint32_t mptcpscan_mptcp_version;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * A field inside an option both packets carry.
 */
enum mptcpscan_option_field
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * MSS value.
     */
    MPTCPSCAN_OPTION_FIELD_MAX_SEG_SIZE = 0,
    /**
     * Window scale shift.
     */
    MPTCPSCAN_OPTION_FIELD_SHIFT = 1,
    /**
     * Timestamp TSval.
     */
    MPTCPSCAN_OPTION_FIELD_TS_VAL = 2,
    /**
     * Timestamp TSecr.
     */
    MPTCPSCAN_OPTION_FIELD_TS_ECR = 3,
    /**
     * The bytes of another option (`sent`/`quoted`: its length).
     */
    MPTCPSCAN_OPTION_FIELD_DATA = 4,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_option_field mptcpscan_option_field;
#else
typedef uint32_t mptcpscan_option_field;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * How far a quote reaches into the packet it quotes.
 */
enum mptcpscan_reach
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Less than the IP header.
     */
    MPTCPSCAN_REACH_IP_HEADER_CUT = 0,
    /**
     * The IP header and none of the TCP header.
     */
    MPTCPSCAN_REACH_IP_HEADER = 1,
    /**
     * Part of the fixed TCP header (an RFC 792 quote has 8 bytes).
     */
    MPTCPSCAN_REACH_TRANSPORT_CUT = 2,
    /**
     * The fixed TCP header but not all its options.
     */
    MPTCPSCAN_REACH_TCP_FIXED_HEADER = 3,
    /**
     * The whole TCP header, options included (an RFC 1812 quote).
     */
    MPTCPSCAN_REACH_TCP_HEADER = 4,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_reach mptcpscan_reach;
#else
typedef uint32_t mptcpscan_reach;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The scope of an address, from the point of view of a peer on the Internet.
 */
enum mptcpscan_scope
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Globally routable unicast.
     */
    MPTCPSCAN_SCOPE_PUBLIC = 0,
    /**
     * RFC 1918, IPv6 unique local or site-local.
     */
    MPTCPSCAN_SCOPE_PRIVATE = 1,
    /**
     * Carrier-grade NAT space, 100.64/10.
     */
    MPTCPSCAN_SCOPE_SHARED = 2,
    /**
     * 127/8 or ::1.
     */
    MPTCPSCAN_SCOPE_LOOPBACK = 3,
    /**
     * 169.254/16 or fe80::/10.
     */
    MPTCPSCAN_SCOPE_LINK_LOCAL = 4,
    /**
     * Documentation prefixes (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20).
     */
    MPTCPSCAN_SCOPE_DOCUMENTATION = 5,
    /**
     * Benchmarking prefixes (198.18/15, 2001:2::/48).
     */
    MPTCPSCAN_SCOPE_BENCHMARKING = 6,
    /**
     * 6to4, 2002::/16.
     */
    MPTCPSCAN_SCOPE_SIX_TO_FOUR = 7,
    /**
     * Deprecated IPv4-compatible IPv6 (::/96).
     */
    MPTCPSCAN_SCOPE_IPV4_COMPATIBLE = 8,
    /**
     * IPv4-mapped IPv6 (::ffff:0:0/96).
     */
    MPTCPSCAN_SCOPE_IPV4_MAPPED = 9,
    /**
     * Multicast.
     */
    MPTCPSCAN_SCOPE_MULTICAST = 10,
    /**
     * 0.0.0.0 or ::.
     */
    MPTCPSCAN_SCOPE_UNSPECIFIED = 11,
    /**
     * 255.255.255.255.
     */
    MPTCPSCAN_SCOPE_BROADCAST = 12,
    /**
     * Any other reserved block.
     */
    MPTCPSCAN_SCOPE_RESERVED = 13,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_scope mptcpscan_scope;
#else
typedef uint32_t mptcpscan_scope;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * How a subflow ended, as `mptcpscan_subflow_ending_name` names it.
 */
enum mptcpscan_subflow_ending
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * "fin".
     */
    MPTCPSCAN_SUBFLOW_ENDING_FIN = 0,
    /**
     * "rst".
     */
    MPTCPSCAN_SUBFLOW_ENDING_RST = 1,
    /**
     * "mp_tcprst".
     */
    MPTCPSCAN_SUBFLOW_ENDING_MP_TCP_RST = 2,
    /**
     * "open".
     */
    MPTCPSCAN_SUBFLOW_ENDING_OPEN = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_subflow_ending mptcpscan_subflow_ending;
#else
typedef uint32_t mptcpscan_subflow_ending;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Where a subflow's handshake got to, as `mptcpscan_subflow_state_name` names it.
 */
enum mptcpscan_subflow_state
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * "established".
     */
    MPTCPSCAN_SUBFLOW_STATE_ESTABLISHED = 0,
    /**
     * "failed" (`mptcpscan_subflow.fail_reason` says why).
     */
    MPTCPSCAN_SUBFLOW_STATE_FAILED = 1,
    /**
     * "attempted": no outcome in the capture.
     */
    MPTCPSCAN_SUBFLOW_STATE_ATTEMPTED = 2,
    /**
     * "attempted": traffic of a join whose SYN was not captured and whose token is unknown.
     */
    MPTCPSCAN_SUBFLOW_STATE_SYN_NOT_CAPTURED = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_subflow_state mptcpscan_subflow_state;
#else
typedef uint32_t mptcpscan_subflow_state;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * A TCP header field.
 */
enum mptcpscan_tcp_field
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Source port.
     */
    MPTCPSCAN_TCP_FIELD_SRC_PORT = 0,
    /**
     * Destination port.
     */
    MPTCPSCAN_TCP_FIELD_DST_PORT = 1,
    /**
     * Sequence number.
     */
    MPTCPSCAN_TCP_FIELD_SEQ_NUMBER = 2,
    /**
     * Acknowledgment number.
     */
    MPTCPSCAN_TCP_FIELD_ACK_NUMBER = 3,
    /**
     * Data offset.
     */
    MPTCPSCAN_TCP_FIELD_DATA_OFFSET = 4,
    /**
     * Reserved bits.
     */
    MPTCPSCAN_TCP_FIELD_RESERVED = 5,
    /**
     * Control bits.
     */
    MPTCPSCAN_TCP_FIELD_FLAGS = 6,
    /**
     * Window.
     */
    MPTCPSCAN_TCP_FIELD_WINDOW = 7,
    /**
     * Checksum.
     */
    MPTCPSCAN_TCP_FIELD_CHECKSUM = 8,
    /**
     * Urgent pointer.
     */
    MPTCPSCAN_TCP_FIELD_URGENT_POINTER = 9,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_tcp_field mptcpscan_tcp_field;
#else
typedef uint32_t mptcpscan_tcp_field;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What the middlebox of a changed path did to our MP_CAPABLE, as the first changed hop shows
 * it (`mptcpscan_trace_conclusion_interference`; names through
 * `mptcpscan_trace_interference_name`): `STRIPPED` is the papers' stripper (the option removed
 * or overwritten with NOPs), `REWRITTEN` a changed key, version, flags or length, `RESIZED` a
 * partial quote whose IP length alone shows the options grew or shrank.
 */
enum mptcpscan_trace_interference
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * No hop changed our MP_CAPABLE.
     */
    MPTCPSCAN_TRACE_INTERFERENCE_NONE = 0,
    /**
     * The option is gone: removed, or overwritten with NOPs.
     */
    MPTCPSCAN_TRACE_INTERFERENCE_STRIPPED = 1,
    /**
     * The option is there but changed.
     */
    MPTCPSCAN_TRACE_INTERFERENCE_REWRITTEN = 2,
    /**
     * Only a partial quote's IP length shows the options changed size.
     */
    MPTCPSCAN_TRACE_INTERFERENCE_RESIZED = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_trace_interference mptcpscan_trace_interference;
#else
typedef uint32_t mptcpscan_trace_interference;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What one trace concludes. The order is the ranking of `mptcpscan_trace_outcome_most_telling`:
 * a lower value tells more.
 *
 * The rules, the first that applies deciding:
 * 1. a hop's quote shows our MP_CAPABLE changed: `MIDDLEBOX_AFFECTED` at the first such hop,
 *    whether or not the target answered;
 * 2. nothing answered: `UNREACHABLE`;
 * 3. a reset: `CLOSED`;
 * 4. the verdict `MIRRORED`: `MIRRORED`;
 * 5. the verdicts `MPTCP_V0`, `MPTCP_V1` and `SUSPICIOUS` (an intact path is what a suspicious
 *    reply asks to check): `TRULY_MPTCP`;
 * 6. anything else: `NOT_MPTCP`.
 */
enum mptcpscan_trace_outcome
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * A hop's quote shows our MP_CAPABLE changed.
     */
    MPTCPSCAN_TRACE_OUTCOME_MIDDLEBOX_AFFECTED = 0,
    /**
     * The answer copies our probe back.
     */
    MPTCPSCAN_TRACE_OUTCOME_MIRRORED = 1,
    /**
     * The answer carries an MP_CAPABLE of its own and no hop changed ours.
     */
    MPTCPSCAN_TRACE_OUTCOME_TRULY_MPTCP = 2,
    /**
     * The answer has no (readable) MP_CAPABLE and no hop changed ours.
     */
    MPTCPSCAN_TRACE_OUTCOME_NOT_MPTCP = 3,
    /**
     * The target answered with a reset.
     */
    MPTCPSCAN_TRACE_OUTCOME_CLOSED = 4,
    /**
     * Nothing answered, and no hop changed our option.
     */
    MPTCPSCAN_TRACE_OUTCOME_UNREACHABLE = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_trace_outcome mptcpscan_trace_outcome;
#else
typedef uint32_t mptcpscan_trace_outcome;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Who answered one probe of a trace (what trace output prints per hop: "none", "icmp",
 * "synack", "rst").
 */
enum mptcpscan_trace_responder
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Nothing answered.
     */
    MPTCPSCAN_TRACE_RESPONDER_NONE = 0,
    /**
     * A router, with an ICMP error quoting the probe.
     */
    MPTCPSCAN_TRACE_RESPONDER_ICMP = 1,
    /**
     * The target, with a SYN-ACK.
     */
    MPTCPSCAN_TRACE_RESPONDER_SYN_ACK = 2,
    /**
     * The target, with a reset.
     */
    MPTCPSCAN_TRACE_RESPONDER_RST = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_trace_responder mptcpscan_trace_responder;
#else
typedef uint32_t mptcpscan_trace_responder;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Why a check was unverifiable, as `mptcpscan_unverifiable_name` names it.
 */
enum mptcpscan_unverifiable
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * Not unverifiable.
     */
    MPTCPSCAN_UNVERIFIABLE_NONE = 0,
    /**
     * The subflow belongs to no connection of the capture.
     */
    MPTCPSCAN_UNVERIFIABLE_NO_CONNECTION = 1,
    /**
     * A key was not in the capture.
     */
    MPTCPSCAN_UNVERIFIABLE_KEYS_UNKNOWN = 2,
    /**
     * An MP_JOIN nonce was not in the capture.
     */
    MPTCPSCAN_UNVERIFIABLE_NONCES_UNKNOWN = 3,
    /**
     * A 4-byte DSN with nothing to extend it from.
     */
    MPTCPSCAN_UNVERIFIABLE_DSN_UNKNOWN = 4,
    /**
     * The payload was cut by the snap length.
     */
    MPTCPSCAN_UNVERIFIABLE_PAYLOAD_NOT_CAPTURED = 5,
    /**
     * The mapping does not start with this segment.
     */
    MPTCPSCAN_UNVERIFIABLE_NOT_MAPPING_START = 6,
    /**
     * The payload length fits no mapping.
     */
    MPTCPSCAN_UNVERIFIABLE_LENGTH_MISMATCH = 7,
    /**
     * A mapping over several segments met a gap or a retransmission.
     */
    MPTCPSCAN_UNVERIFIABLE_BROKEN_SPAN = 8,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_unverifiable mptcpscan_unverifiable;
#else
typedef uint32_t mptcpscan_unverifiable;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What one reply says about the host.
 */
enum mptcpscan_verdict
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
    /**
     * A SYN-ACK without MP_CAPABLE: plain TCP (or a v1-only Linux answering a v0 probe).
     */
    MPTCPSCAN_VERDICT_NO_MP_CAPABLE = 0,
    /**
     * A SYN-ACK with a v0 MP_CAPABLE and no sign of a copy: a candidate MPTCP v0 host.
     */
    MPTCPSCAN_VERDICT_MPTCP_V0 = 1,
    /**
     * A SYN-ACK with a v1 MP_CAPABLE and no sign of a copy: a candidate MPTCP v1 host.
     */
    MPTCPSCAN_VERDICT_MPTCP_V1 = 2,
    /**
     * The MP_CAPABLE carries our probe back (a decisive signal).
     */
    MPTCPSCAN_VERDICT_MIRRORED = 3,
    /**
     * MP_CAPABLE with a fresh key, but a suspicious signal: trace the path before counting it.
     */
    MPTCPSCAN_VERDICT_SUSPICIOUS = 4,
    /**
     * A reset.
     */
    MPTCPSCAN_VERDICT_RST = 5,
    /**
     * A SYN-ACK whose options do not parse (`error` says why).
     */
    MPTCPSCAN_VERDICT_MALFORMED = 6,
    /**
     * Neither a reset nor a SYN-ACK.
     */
    MPTCPSCAN_VERDICT_NOT_SYN_ACK = 7,
    /**
     * A SYN-ACK that does not acknowledge our SYN.
     */
    MPTCPSCAN_VERDICT_UNSOLICITED = 8,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mptcpscan_verdict mptcpscan_verdict;
#else
typedef uint32_t mptcpscan_verdict;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * A DSS checksum being computed over a mapping whose payload spans several segments (opaque:
 * create with `mptcpscan_dss_sum_new`, release with `mptcpscan_dss_sum_free`).
 */
typedef struct mptcpscan_dss_sum mptcpscan_dss_sum;

/**
 * A SYN packet template: constant bytes and checksum parts computed once (opaque: create with
 * `mptcpscan_syn_template_new` or `_new_raw`, release with `mptcpscan_syn_template_free`).
 */
typedef struct mptcpscan_syn_template mptcpscan_syn_template;

/**
 * An MPTCP connection tracker (opaque: create with `mptcpscan_tracker_new`, release with
 * `mptcpscan_tracker_free`).
 */
typedef struct mptcpscan_tracker mptcpscan_tracker;

/**
 * The probe a reply answers, as the classifier needs it: its option block and what it offered.
 *
 * Fill it with `mptcpscan_probe_describe` (or `mptcpscan_syn_template_info`); set `has_window`
 * and `window` afterwards if the SYN's window should be compared too. It holds no pointers: copy
 * it, keep it, share it between threads.
 */
typedef struct mptcpscan_probe_info {
    /**
     * The probe's whole TCP option area (`options_len` bytes used).
     */
    uint8_t options[MPTCPSCAN_MAX_OPTIONS_LEN];
    /**
     * The v0 key the probe sent (when `has_key`).
     */
    uint64_t key;
    /**
     * The probe's timestamp value (when `has_tsval`).
     */
    uint32_t tsval;
    /**
     * The probe's MSS (when `has_mss`).
     */
    uint16_t mss;
    /**
     * The SYN's window (when `has_window`).
     */
    uint16_t window;
    /**
     * Bytes of `options` in use.
     */
    uint8_t options_len;
    /**
     * Offset of the probe's MP_CAPABLE in `options`.
     */
    uint8_t mp_capable_offset;
    /**
     * Length of the probe's MP_CAPABLE.
     */
    uint8_t mp_capable_len;
    /**
     * The MPTCP version offered: an `mptcpscan_mptcp_version` value.
     */
    uint8_t version;
    /**
     * The probe's window scale (when `has_window_scale`).
     */
    uint8_t window_scale;
    /**
     * Non-zero when `key` is set (v0 probes).
     */
    uint8_t has_key;
    /**
     * Non-zero when `mss` is set.
     */
    uint8_t has_mss;
    /**
     * Non-zero when `window_scale` is set.
     */
    uint8_t has_window_scale;
    /**
     * Non-zero when `tsval` is set.
     */
    uint8_t has_tsval;
    /**
     * Non-zero when `window` is set.
     */
    uint8_t has_window;
} mptcpscan_probe_info;

/**
 * One reply's verdict and its evidence.
 */
typedef struct mptcpscan_classification {
    /**
     * The sender's key in the reply's MP_CAPABLE (when `has_key`): the server's, or ours back.
     */
    uint64_t key;
    /**
     * Every signal that fired (`MPTCPSCAN_SIGNAL_*` bits).
     */
    uint32_t signals;
    /**
     * Why the reply is `MALFORMED`: an `OPTION_*` or `MPTCP_*` result code; 0 otherwise.
     */
    uint32_t error;
    /**
     * An `mptcpscan_verdict` value.
     */
    uint8_t verdict;
    /**
     * The version field of the reply's MP_CAPABLE (when `has_version`).
     */
    uint8_t version;
    /**
     * Bits in which `key` differs from our v0 key (when `has_key_distance`).
     */
    uint8_t key_distance;
    /**
     * The reply's TTL or hop limit (when `has_ttl`).
     */
    uint8_t ttl;
    /**
     * Non-zero when `key` is set.
     */
    uint8_t has_key;
    /**
     * Non-zero when `version` is set.
     */
    uint8_t has_version;
    /**
     * Non-zero when `key_distance` is set.
     */
    uint8_t has_key_distance;
    /**
     * Non-zero when `ttl` is set.
     */
    uint8_t has_ttl;
} mptcpscan_classification;

/**
 * The combined verdict of a host.
 */
typedef struct mptcpscan_host_classification {
    /**
     * Cross-reply observations (`MPTCPSCAN_HOST_SIGNAL_*` bits).
     */
    uint32_t signals;
    /**
     * An `mptcpscan_host_verdict` value.
     */
    uint8_t verdict;
    /**
     * Non-zero when the verdict counts the host as truly MPTCP-capable (before any trace).
     */
    uint8_t is_mptcp;
} mptcpscan_host_classification;

/**
 * Everything the MP_JOIN HMACs of one subflow depend on, named by role.
 */
typedef struct mptcpscan_join_handshake {
    /**
     * The key of the host that sends the MP_JOIN SYN (from its MP_CAPABLE).
     */
    uint64_t initiator_key;
    /**
     * The key of the host that receives the MP_JOIN SYN.
     */
    uint64_t listener_key;
    /**
     * The nonce in the MP_JOIN SYN.
     */
    uint32_t initiator_nonce;
    /**
     * The nonce in the MP_JOIN SYN-ACK.
     */
    uint32_t listener_nonce;
} mptcpscan_join_handshake;

/**
 * Everything MP_JOIN's crypto produces for one handshake.
 */
typedef struct mptcpscan_join_hmacs {
    /**
     * The listener's token, which the MP_JOIN SYN must carry.
     */
    uint32_t expected_token;
    /**
     * Bytes used in `listener_hmac` and `initiator_hmac`: 20 (v0, HMAC-SHA1) or 32 (v1).
     */
    uint32_t full_len;
    /**
     * The 64-bit truncated HMAC the MP_JOIN SYN-ACK must carry (the listener's, leftmost bits).
     */
    uint8_t syn_ack_hmac[MPTCPSCAN_SHORT_HMAC_LEN];
    /**
     * The 160-bit HMAC the MP_JOIN third ACK must carry (the initiator's, leftmost bits).
     */
    uint8_t ack_hmac[MPTCPSCAN_JOIN_ACK_HMAC_LEN];
    /**
     * The listener's full HMAC (its key and nonce first); `full_len` bytes used, rest zero.
     */
    uint8_t listener_hmac[MPTCPSCAN_MAX_HMAC_LEN];
    /**
     * The initiator's full HMAC; `full_len` bytes used, rest zero.
     */
    uint8_t initiator_hmac[MPTCPSCAN_MAX_HMAC_LEN];
} mptcpscan_join_hmacs;

/**
 * The two keys that key an HMAC, named by who sends the HMAC.
 */
typedef struct mptcpscan_hmac_keys {
    /**
     * The key announced (in MP_CAPABLE) by the host that sends the HMAC.
     */
    uint64_t sender;
    /**
     * The key announced by the host that receives it.
     */
    uint64_t receiver;
} mptcpscan_hmac_keys;

/**
 * An IPv4 or IPv6 address in network byte order.
 */
typedef struct mptcpscan_address {
    /**
     * `MPTCPSCAN_ADDRESS_FAMILY_IPV4` (4) or `MPTCPSCAN_ADDRESS_FAMILY_IPV6` (6); any other
     * value is `INVALID_ARGUMENT`.
     */
    uint8_t family;
    /**
     * The address: 4 bytes for IPv4 (the other 12 are ignored on input and zero on output),
     * 16 for IPv6.
     */
    uint8_t bytes[16];
} mptcpscan_address;

/**
 * The pseudo-header of one DSS mapping: what its checksum covers before the payload.
 */
typedef struct mptcpscan_dss_mapping {
    /**
     * The full 64-bit data sequence number of the mapping's first byte (expand a 32-bit DSN
     * from the wire with `mptcpscan_dss_expand_dsn` first).
     */
    uint64_t dsn;
    /**
     * The relative subflow sequence number of the mapping's first byte, as the option carries it.
     */
    uint32_t ssn;
    /**
     * The mapping's data-level length.
     */
    uint16_t data_len;
} mptcpscan_dss_mapping;

/**
 * MP_CAPABLE (subtype 0). Present fields decide the length: none (4), the sender's key (12),
 * both keys (20), plus `data_len` (22), plus `checksum` (24).
 */
typedef struct mptcpscan_mp_capable {
    /**
     * The sender's key (when `has_sender_key`).
     */
    uint64_t sender_key;
    /**
     * The receiver's key (when `has_receiver_key`).
     */
    uint64_t receiver_key;
    /**
     * The data-level length of the first data (when `has_data_len`).
     */
    uint16_t data_len;
    /**
     * The DSS checksum of the first data (when `has_checksum`).
     */
    uint16_t checksum;
    /**
     * The version field (4 bits: 0 for RFC 6824, 1 for RFC 8684).
     */
    uint8_t version;
    /**
     * The flag byte, reserved bits included (`MPTCPSCAN_CAPABLE_FLAG_*`).
     */
    uint8_t flags;
    /**
     * Non-zero when `sender_key` is present.
     */
    uint8_t has_sender_key;
    /**
     * Non-zero when `receiver_key` is present.
     */
    uint8_t has_receiver_key;
    /**
     * Non-zero when `data_len` is present.
     */
    uint8_t has_data_len;
    /**
     * Non-zero when `checksum` is present.
     */
    uint8_t has_checksum;
} mptcpscan_mp_capable;

/**
 * MP_JOIN (subtype 1), one of the three handshake stages.
 */
typedef struct mptcpscan_mp_join {
    /**
     * SYN: the receiver's token.
     */
    uint32_t token;
    /**
     * SYN and SYN-ACK: the sender's nonce.
     */
    uint32_t nonce;
    /**
     * ACK: the 12 reserved bits.
     */
    uint16_t reserved;
    /**
     * An `mptcpscan_join_stage` value.
     */
    uint8_t stage;
    /**
     * SYN and SYN-ACK: the low nibble of the subtype byte (`MPTCPSCAN_BACKUP_FLAG` and reserved
     * bits).
     */
    uint8_t flags;
    /**
     * SYN and SYN-ACK: the sender's address id.
     */
    uint8_t addr_id;
    /**
     * Bytes of `hmac` in use: 8 (SYN-ACK), 20 (ACK) or 0 (SYN). Ignored on encode (the stage
     * decides).
     */
    uint8_t hmac_len;
    /**
     * SYN-ACK: the truncated HMAC (8 bytes); ACK: the HMAC (20 bytes); wire order.
     */
    uint8_t hmac[20];
} mptcpscan_mp_join;

/**
 * DSS (subtype 2). The flags decide the layout: the data ACK is there iff flag A is set, the
 * mapping (`dsn`, `ssn`, `data_len`, and `checksum` when `has_checksum`) iff flag M is set; with
 * flag a (m) clear the data ACK (DSN) is the 4-byte value as carried.
 */
typedef struct mptcpscan_dss {
    /**
     * The data ACK (flag A).
     */
    uint64_t data_ack;
    /**
     * The mapping's data sequence number (flag M), the low 32 bits only without flag m (expand
     * it with `mptcpscan_dss_expand_dsn`).
     */
    uint64_t dsn;
    /**
     * The mapping's relative subflow sequence number (flag M).
     */
    uint32_t ssn;
    /**
     * The mapping's data-level length (flag M).
     */
    uint16_t data_len;
    /**
     * The mapping's DSS checksum (flag M and `has_checksum`).
     */
    uint16_t checksum;
    /**
     * The flag byte, reserved bits included (`MPTCPSCAN_DSS_FLAG_*`).
     */
    uint8_t flags;
    /**
     * The four reserved bits of the subtype byte.
     */
    uint8_t reserved;
    /**
     * Non-zero when the mapping carries a checksum.
     */
    uint8_t has_checksum;
} mptcpscan_dss;

/**
 * ADD_ADDR (subtype 3) in the v0 or v1 layout.
 */
typedef struct mptcpscan_add_addr {
    /**
     * The advertised address.
     */
    struct mptcpscan_address address;
    /**
     * The advertised port (when `has_port`).
     */
    uint16_t port;
    /**
     * The layout: an `mptcpscan_mptcp_version` value (0: IP version nibble, no HMAC; 1: echo
     * bit, HMAC).
     */
    uint8_t version;
    /**
     * v1: `MPTCPSCAN_ADD_ADDR_FLAG_ECHO` and the reserved bits; v0: 0.
     */
    uint8_t flags;
    /**
     * The sender's id for the address.
     */
    uint8_t addr_id;
    /**
     * Non-zero when `port` is present.
     */
    uint8_t has_port;
    /**
     * Non-zero when `hmac` is present (v1, not an echo).
     */
    uint8_t has_hmac;
    /**
     * v1: the HMAC as carried (8 bytes, wire order).
     */
    uint8_t hmac[8];
} mptcpscan_add_addr;

/**
 * REMOVE_ADDR (subtype 4).
 */
typedef struct mptcpscan_remove_addr {
    /**
     * The reserved low nibble of the subtype byte.
     */
    uint8_t reserved;
    /**
     * How many ids `ids` holds (at least 1).
     */
    uint8_t count;
    /**
     * The withdrawn address ids.
     */
    uint8_t ids[MPTCPSCAN_MAX_OPTIONS_LEN];
} mptcpscan_remove_addr;

/**
 * MP_PRIO (subtype 5).
 */
typedef struct mptcpscan_mp_prio {
    /**
     * The low nibble of the subtype byte (`MPTCPSCAN_BACKUP_FLAG` and reserved bits).
     */
    uint8_t flags;
    /**
     * Non-zero when `addr_id` is present (v0; v1 removed it).
     */
    uint8_t has_addr_id;
    /**
     * The address id whose priority changes (when `has_addr_id`).
     */
    uint8_t addr_id;
} mptcpscan_mp_prio;

/**
 * MP_FAIL (subtype 6).
 */
typedef struct mptcpscan_mp_fail {
    /**
     * The DSN of the failed mapping.
     */
    uint64_t dsn;
    /**
     * The 12 reserved bits.
     */
    uint16_t reserved;
} mptcpscan_mp_fail;

/**
 * MP_FASTCLOSE (subtype 7).
 */
typedef struct mptcpscan_mp_fastclose {
    /**
     * The key of the option's receiver.
     */
    uint64_t receiver_key;
    /**
     * The 12 reserved bits.
     */
    uint16_t reserved;
} mptcpscan_mp_fastclose;

/**
 * MP_TCPRST (subtype 8).
 */
typedef struct mptcpscan_mp_tcprst {
    /**
     * The flag nibble (`MPTCPSCAN_TCPRST_FLAG_TRANSIENT` and reserved bits).
     */
    uint8_t flags;
    /**
     * The reason code (name it with `mptcpscan_tcprst_reason_name`).
     */
    uint8_t reason;
} mptcpscan_mp_tcprst;

/**
 * Any other subtype (9 to 15), kept raw.
 */
typedef struct mptcpscan_mptcp_unknown {
    /**
     * Bytes of `data` in use (at least 1).
     */
    uint8_t data_len;
    /**
     * Everything after the length byte, starting with the subtype byte (whose high nibble must
     * equal the option's `subtype`).
     */
    uint8_t data[MPTCPSCAN_MAX_OPTIONS_LEN];
} mptcpscan_mptcp_unknown;

/**
 * The subtype-specific part of an MPTCP option; `mptcpscan_mptcp_option.subtype` says which
 * member is valid.
 */
typedef union mptcpscan_mptcp_body {
    /**
     * Subtype 0.
     */
    struct mptcpscan_mp_capable mp_capable;
    /**
     * Subtype 1.
     */
    struct mptcpscan_mp_join mp_join;
    /**
     * Subtype 2.
     */
    struct mptcpscan_dss dss;
    /**
     * Subtype 3.
     */
    struct mptcpscan_add_addr add_addr;
    /**
     * Subtype 4.
     */
    struct mptcpscan_remove_addr remove_addr;
    /**
     * Subtype 5.
     */
    struct mptcpscan_mp_prio mp_prio;
    /**
     * Subtype 6.
     */
    struct mptcpscan_mp_fail mp_fail;
    /**
     * Subtype 7.
     */
    struct mptcpscan_mp_fastclose mp_fastclose;
    /**
     * Subtype 8.
     */
    struct mptcpscan_mp_tcprst mp_tcprst;
    /**
     * Subtypes 9 to 15.
     */
    struct mptcpscan_mptcp_unknown unknown;
} mptcpscan_mptcp_body;

/**
 * One MPTCP option of any subtype.
 */
typedef struct mptcpscan_mptcp_option {
    /**
     * The subtype (0 to 15): which member of `body` holds the option.
     */
    uint8_t subtype;
    /**
     * Decode: the option's whole length in bytes. Ignored on encode.
     */
    uint8_t length;
    /**
     * The subtype's fields.
     */
    union mptcpscan_mptcp_body body;
} mptcpscan_mptcp_option;

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

/**
 * Everything that decides a probe's option block and window.
 *
 * `mptcpscan_probe_spec_default` fills one with the companions' usual values; edit fields after.
 */
typedef struct mptcpscan_probe_spec {
    /**
     * The v0 key sent (`version` 0 only).
     */
    uint64_t key;
    /**
     * The TSval sent (Linux and BSD companions); TSecr is always 0.
     */
    uint32_t tsval;
    /**
     * The MSS announced (Linux, Windows and BSD companions).
     */
    uint16_t mss;
    /**
     * The SYN's TCP window.
     */
    uint16_t window;
    /**
     * The MPTCP version offered: an `mptcpscan_mptcp_version` value (0: MP_CAPABLE with
     * `key`, flags 0x81; 1: no key, flags 0x01).
     */
    uint8_t version;
    /**
     * An `mptcpscan_companions` value.
     */
    uint8_t companions;
    /**
     * The window scale shift announced (Linux, Windows and BSD companions).
     */
    uint8_t window_scale;
    /**
     * Bytes of `raw` in use (`MPTCPSCAN_COMPANIONS_RAW` only).
     */
    uint8_t raw_len;
    /**
     * Option bytes put before MP_CAPABLE (`MPTCPSCAN_COMPANIONS_RAW` only); must walk as
     * TCP options.
     */
    uint8_t raw[MPTCPSCAN_MAX_OPTIONS_LEN];
} mptcpscan_probe_spec;

/**
 * The per-target fields of an IPv4 SYN.
 */
typedef struct mptcpscan_ipv4_target {
    /**
     * Source address, network byte order (as `struct in_addr` holds it).
     */
    uint8_t src[4];
    /**
     * Destination address, network byte order.
     */
    uint8_t dst[4];
    /**
     * Sequence number, host byte order (ZMap: the validation word, so a SYN-ACK acknowledges
     * `seq + 1`).
     */
    uint32_t seq;
    /**
     * Source port, host byte order.
     */
    uint16_t src_port;
    /**
     * Destination port, host byte order.
     */
    uint16_t dst_port;
    /**
     * IP identification, host byte order.
     */
    uint16_t ip_id;
    /**
     * Time to live.
     */
    uint8_t ttl;
} mptcpscan_ipv4_target;

/**
 * The per-target fields of an IPv6 SYN.
 */
typedef struct mptcpscan_ipv6_target {
    /**
     * Source address, network byte order.
     */
    uint8_t src[16];
    /**
     * Destination address, network byte order.
     */
    uint8_t dst[16];
    /**
     * Sequence number, host byte order.
     */
    uint32_t seq;
    /**
     * Source port, host byte order.
     */
    uint16_t src_port;
    /**
     * Destination port, host byte order.
     */
    uint16_t dst_port;
    /**
     * Hop limit.
     */
    uint8_t hop_limit;
} mptcpscan_ipv6_target;

/**
 * An ICMP error message: who sent it, what it says, and where its quote is.
 */
typedef struct mptcpscan_icmp_error {
    /**
     * The router or host that sent the error (the outer source address).
     */
    struct mptcpscan_address from;
    /**
     * Offset of the quoted packet (from its IP header) in the parsed packet.
     */
    size_t quote_offset;
    /**
     * Length of the quote, as the router kept it.
     */
    size_t quote_len;
    /**
     * An `mptcpscan_icmp_error_kind` value.
     */
    uint8_t kind;
    /**
     * The ICMP type as on the wire.
     */
    uint8_t icmp_type;
    /**
     * The ICMP code.
     */
    uint8_t code;
    /**
     * The TTL or hop limit the error arrived with.
     */
    uint8_t arrival_ttl;
    /**
     * Non-zero when the ICMP checksum verified.
     */
    uint8_t checksum_ok;
} mptcpscan_icmp_error;

/**
 * What one hop did to our MP_CAPABLE.
 */
typedef struct mptcpscan_mptcp_hop {
    /**
     * `PARTIAL_LENGTH_CHANGED`: the IP length sent (IPv4 total length, IPv6 payload length).
     */
    uint16_t sent_len;
    /**
     * `PARTIAL_LENGTH_CHANGED`: the IP length quoted.
     */
    uint16_t quoted_len;
    /**
     * An `mptcpscan_mptcp_hop_kind` value.
     */
    uint8_t kind;
    /**
     * `KEY_REWRITTEN`: how many of the key's 64 bits differ.
     */
    uint8_t hamming;
} mptcpscan_mptcp_hop;

/**
 * The summary of a diff (the changes themselves go to a separate array).
 */
typedef struct mptcpscan_quote_diff {
    /**
     * What this hop did to our MP_CAPABLE.
     */
    struct mptcpscan_mptcp_hop mptcp;
    /**
     * How many changes were written to the `changes` array.
     */
    uint32_t change_count;
    /**
     * How far the quote reaches: an `mptcpscan_reach` value.
     */
    uint8_t reach;
    /**
     * Non-zero for IPv6.
     */
    uint8_t is_v6;
    /**
     * Non-zero when the quote stops before the end of the TCP options (tracebox's `[PARTIAL]`).
     */
    uint8_t is_partial;
    /**
     * Non-zero when more than `MPTCPSCAN_QUOTE_MAX_CHANGES` changes were found.
     */
    uint8_t overflowed;
    /**
     * The TTL or hop limit sent (expected to differ from `ttl_quoted`; not a change).
     */
    uint8_t ttl_sent;
    /**
     * The TTL or hop limit quoted.
     */
    uint8_t ttl_quoted;
    /**
     * Non-zero when the IPv4 header checksum differs only as the TTL change makes it.
     */
    uint8_t ip_checksum_explained_by_ttl;
} mptcpscan_quote_diff;

/**
 * One difference between the sent packet and its quote.
 */
typedef struct mptcpscan_quote_change {
    /**
     * The value sent (IP and TCP fields, option fields, MP_CAPABLE subtype, version, flags,
     * length or key; an IPv4 address as a number).
     */
    uint64_t sent;
    /**
     * The value quoted.
     */
    uint64_t quoted;
    /**
     * IP `SOURCE`/`DESTINATION`: the address sent, network order (IPv4 in the first 4 bytes).
     */
    uint8_t sent_address[16];
    /**
     * IP `SOURCE`/`DESTINATION`: the address quoted.
     */
    uint8_t quoted_address[16];
    /**
     * `OPTIONS_MALFORMED`: the `OPTION_*` result code of the quote's option walk.
     */
    uint32_t error;
    /**
     * `OPTIONS_MALFORMED`: offset of the malformed option in the quote's option area.
     */
    uint32_t error_offset;
    /**
     * An `mptcpscan_change_type` value: which of the other fields matter.
     */
    uint8_t change;
    /**
     * The field: an `mptcpscan_ip_field`, `mptcpscan_tcp_field`, `mptcpscan_option_field` or
     * `mptcpscan_mptcp_change` value, by `change`.
     */
    uint8_t field;
    /**
     * Option changes: the option kind.
     */
    uint8_t option_kind;
    /**
     * `OPTION_ADDED`/`OPTION_REMOVED`: how many; MPTCP `KEY_REWRITTEN`: differing key bits.
     */
    uint8_t count;
} mptcpscan_quote_change;

/**
 * The first hop of a path that changed our MP_CAPABLE.
 */
typedef struct mptcpscan_path_change {
    /**
     * What that hop's quote shows.
     */
    struct mptcpscan_mptcp_hop summary;
    /**
     * The hop (TTL, from 1) whose quote first shows the change.
     */
    uint32_t hop;
    /**
     * The last earlier hop whose quote showed the option intact (when `has_last_intact`): the
     * change happened after it.
     */
    uint32_t last_intact;
    /**
     * Non-zero when `last_intact` is set.
     */
    uint8_t has_last_intact;
} mptcpscan_path_change;

/**
 * One finished MPTCP connection. Two-element arrays are per direction: 0 client to server,
 * 1 server to client.
 */
typedef struct mptcpscan_connection {
    /**
     * Number in order of appearance, from 1 (the `connection` of its segments' findings).
     */
    uint64_t id;
    /**
     * Its first frame.
     */
    uint64_t first_frame;
    /**
     * Time of its first packet (ns, the clock of `mptcpscan_segment.time_ns`).
     */
    int64_t first_time_ns;
    /**
     * Time of its last packet.
     */
    int64_t last_time_ns;
    /**
     * Packets per direction.
     */
    uint64_t packets[2];
    /**
     * Payload bytes over every subflow, per direction.
     */
    uint64_t bytes[2];
    /**
     * Data-level bytes covered by mappings, per direction.
     */
    uint64_t data_bytes[2];
    /**
     * Data-level bytes sent again on another subflow, per direction.
     */
    uint64_t reinjected_bytes[2];
    /**
     * Keys per direction (where `has_key`).
     */
    uint64_t keys[2];
    /**
     * DSS checksums that verified.
     */
    uint64_t checksums_valid;
    /**
     * DSS checksums that did not.
     */
    uint64_t checksums_invalid;
    /**
     * DSS checksums the capture did not allow to check.
     */
    uint64_t checksums_unverifiable;
    /**
     * MP_FAIL options.
     */
    uint64_t mp_fail;
    /**
     * MP_PRIO options.
     */
    uint64_t mp_prio;
    /**
     * MP_PRIO options asking for backup.
     */
    uint64_t mp_prio_backup;
    /**
     * The keys' tokens (where `has_key`).
     */
    uint32_t tokens[2];
    /**
     * The initial subflow's client.
     */
    struct mptcpscan_address client;
    /**
     * The initial subflow's server.
     */
    struct mptcpscan_address server;
    /**
     * The client's port.
     */
    uint16_t client_port;
    /**
     * The server's port.
     */
    uint16_t server_port;
    /**
     * The MPTCP version from MP_CAPABLE (`mptcpscan_mptcp_version`, where `has_version`).
     */
    uint32_t version;
    /**
     * How it ended (`mptcpscan_connection_ending`).
     */
    uint32_t ending;
    /**
     * Subflows (read each with `mptcpscan_tracker_subflow`).
     */
    uint32_t n_subflows;
    /**
     * Subflows established.
     */
    uint32_t subflows_established;
    /**
     * Subflows failed.
     */
    uint32_t subflows_failed;
    /**
     * Subflows attempted (no outcome, or SYN not captured).
     */
    uint32_t subflows_attempted;
    /**
     * ADD_ADDR options.
     */
    uint32_t n_add_addr;
    /**
     * REMOVE_ADDR options.
     */
    uint32_t n_remove_addr;
    /**
     * MP_TCPRST options.
     */
    uint32_t n_tcprst;
    /**
     * The capture file it started in (the host's numbering; 0 unless set).
     */
    uint32_t file;
    /**
     * Non-zero where `keys` and `tokens` are set.
     */
    uint8_t has_key[2];
    /**
     * DATA_FIN per direction.
     */
    uint8_t data_fin[2];
    /**
     * MP_FASTCLOSE per direction.
     */
    uint8_t fastclose[2];
    /**
     * Non-zero when `version` is set.
     */
    uint8_t has_version;
    /**
     * Non-zero when the initial SYN was in the capture.
     */
    uint8_t initial_syn_seen;
    /**
     * Non-zero when either side asked for DSS checksums.
     */
    uint8_t checksum_negotiated;
} mptcpscan_connection;

/**
 * One subflow of a finished connection. Two-element arrays are per connection direction.
 */
typedef struct mptcpscan_subflow {
    /**
     * First frame.
     */
    uint64_t first_frame;
    /**
     * From the connection's initial SYN to this join's SYN (ns, where `has_join_delay`).
     */
    int64_t join_delay_ns;
    /**
     * SYN to the ACK of the SYN-ACK (ns, where `has_handshake_rtt`).
     */
    int64_t handshake_rtt_ns;
    /**
     * Payload bytes per direction, each sequence number once.
     */
    uint64_t bytes[2];
    /**
     * Packets per direction.
     */
    uint64_t packets[2];
    /**
     * The SYN sender.
     */
    struct mptcpscan_address client;
    /**
     * The SYN receiver.
     */
    struct mptcpscan_address server;
    /**
     * The client's port.
     */
    uint16_t client_port;
    /**
     * The server's port.
     */
    uint16_t server_port;
    /**
     * Its place in the connection (0: initial): the `subflow` of its segments' findings.
     */
    uint16_t index;
    /**
     * A join's MP_JOIN token (where `has_join_token`).
     */
    uint32_t join_token;
    /**
     * Handshake outcome (`mptcpscan_subflow_state`).
     */
    uint32_t state;
    /**
     * With `MPTCPSCAN_SUBFLOW_STATE_FAILED`: why (`mptcpscan_fail_reason`).
     */
    uint32_t fail_reason;
    /**
     * How it ended (`mptcpscan_subflow_ending`).
     */
    uint32_t ending;
    /**
     * Address ids from the MP_JOIN SYN and SYN-ACK (where `has_address_id`).
     */
    uint8_t address_ids[2];
    /**
     * Non-zero where `address_ids` is set.
     */
    uint8_t has_address_id[2];
    /**
     * Non-zero for an MP_JOIN subflow, zero for the initial one.
     */
    uint8_t is_join;
    /**
     * Non-zero when `join_token` is set (the join's SYN was seen).
     */
    uint8_t has_join_token;
    /**
     * Opened as backup, or set to backup by MP_PRIO.
     */
    uint8_t backup;
    /**
     * Non-zero when `join_delay_ns` is set.
     */
    uint8_t has_join_delay;
    /**
     * Non-zero when `handshake_rtt_ns` is set.
     */
    uint8_t has_handshake_rtt;
} mptcpscan_subflow;

/**
 * A histogram of key Hamming weights. Zero it (`memset` or `= {0}`) to start; add keys with
 * `mptcpscan_histogram_add`.
 */
typedef struct mptcpscan_histogram {
    /**
     * How many keys had each weight (saturating counts).
     */
    uint64_t counts[MPTCPSCAN_KEY_WEIGHTS];
} mptcpscan_histogram;

/**
 * What a histogram says about its population.
 */
typedef struct mptcpscan_histogram_summary {
    /**
     * How many keys were counted.
     */
    uint64_t total;
    /**
     * The mean weight (32 for random keys; when `total` ≥ 1).
     */
    double mean;
    /**
     * The sample variance of the weights (16 for random keys; when `total` ≥ 2).
     */
    double variance;
    /**
     * Pearson's X² against Binomial(64, 1/2) over pooled bins (when `has_test`).
     */
    double statistic;
    /**
     * P(X² ≥ statistic) (when `has_test`).
     */
    double p_value;
    /**
     * How many more keys than expected had `spike_weight` (when `has_test`).
     */
    double spike_excess;
    /**
     * The test's degrees of freedom (when `has_test`).
     */
    uint32_t dof;
    /**
     * The weight with the largest excess over expectation: for a population polluted by echoes,
     * the probe key's weight (when `has_test`).
     */
    uint8_t spike_weight;
    /**
     * Non-zero when p < 0.001: the keys are not what random stacks send (when `has_test`).
     */
    uint8_t polluted;
    /**
     * Non-zero when the test ran (it needs about a dozen keys).
     */
    uint8_t has_test;
} mptcpscan_histogram_summary;

/**
 * A trace's conclusion.
 */
typedef struct mptcpscan_trace_conclusion {
    /**
     * The first hop whose quote shows our MP_CAPABLE changed (when `has_change`).
     */
    struct mptcpscan_path_change change;
    /**
     * An `mptcpscan_trace_outcome` value.
     */
    uint8_t outcome;
    /**
     * Non-zero when `change` is set: exactly when `outcome` is `MIDDLEBOX_AFFECTED`.
     */
    uint8_t has_change;
} mptcpscan_trace_conclusion;

/**
 * One TCP segment to feed.
 */
typedef struct mptcpscan_segment {
    /**
     * The capture's frame number.
     */
    uint64_t frame;
    /**
     * Capture time, nanoseconds (any epoch, non-decreasing over the capture).
     */
    int64_t time_ns;
    /**
     * Source address.
     */
    struct mptcpscan_address src;
    /**
     * Destination address.
     */
    struct mptcpscan_address dst;
    /**
     * The TCP header and the captured part of the payload.
     */
    const uint8_t *tcp;
    /**
     * Bytes at `tcp`.
     */
    size_t tcp_len;
    /**
     * The payload's length on the wire (the capture may have cut it).
     */
    uint32_t payload_len;
    /**
     * IPv4 TTL or IPv6 hop limit, or `MPTCPSCAN_TTL_UNKNOWN`.
     */
    uint32_t ttl;
} mptcpscan_segment;

/**
 * The checks on one MPTCP option of a segment.
 */
typedef struct mptcpscan_option_finding {
    /**
     * Keys the option announces (MP_CAPABLE: sender's, then receiver's), `n_keys` of them.
     */
    uint64_t keys[2];
    /**
     * Their tokens.
     */
    uint32_t tokens[2];
    /**
     * Their IDSNs.
     */
    uint64_t idsns[2];
    /**
     * With `MPTCPSCAN_JOIN_TOKEN_KNOWN`: the connection's id.
     */
    uint64_t join_connection;
    /**
     * With `MPTCPSCAN_JOIN_TOKEN_KNOWN`: the connection's first frame.
     */
    uint64_t join_first_frame;
    /**
     * Why the option does not decode (an `MPTCP_*` result code), 0 when it does.
     */
    uint32_t error;
    /**
     * The MPTCP version it was decoded with (pass it to `mptcpscan_mptcp_parse`).
     */
    uint32_t version;
    /**
     * Where the option starts in the TCP option area.
     */
    uint8_t offset;
    /**
     * Its length.
     */
    uint8_t len;
    /**
     * The subtype nibble (when `has_subtype`).
     */
    uint8_t subtype;
    /**
     * Non-zero when `subtype` is set.
     */
    uint8_t has_subtype;
    /**
     * How many of `keys` are set.
     */
    uint8_t n_keys;
    /**
     * `MPTCPSCAN_JOIN_TOKEN_*`.
     */
    uint8_t join_token;
    /**
     * MP_JOIN SYN-ACK/ACK or ADD_ADDR HMAC (`mptcpscan_check`).
     */
    uint8_t hmac;
    /**
     * Why `hmac` is unverifiable (`mptcpscan_unverifiable`).
     */
    uint8_t hmac_why;
    /**
     * DSS checksum (DSS, MP_CAPABLE with data).
     */
    uint8_t dss_checksum;
    /**
     * Why `dss_checksum` is unverifiable.
     */
    uint8_t dss_why;
    /**
     * Non-zero when `dss_computed` is set.
     */
    uint8_t has_dss_computed;
    /**
     * MP_FASTCLOSE: whether the key is the receiver's.
     */
    uint8_t fastclose_key;
    /**
     * Why `fastclose_key` is unverifiable.
     */
    uint8_t fastclose_why;
    /**
     * Non-zero when `scope` is set.
     */
    uint8_t has_scope;
    /**
     * The checksum the mapping and payload give.
     */
    uint16_t dss_computed;
    /**
     * ADD_ADDR: the advertised address's scope (`mptcpscan_address_scope` values).
     */
    uint32_t scope;
} mptcpscan_option_finding;

/**
 * Everything the tracker found in one segment.
 */
typedef struct mptcpscan_findings {
    /**
     * The connection's id (when `has_connection`).
     */
    uint64_t connection;
    /**
     * With `has_handshake`: the frame of the MP_CAPABLE SYN this segment answers.
     */
    uint64_t syn_frame;
    /**
     * With `has_continuation`: the frame whose DSS mapping this payload continues.
     */
    uint64_t mapping_frame;
    /**
     * With `has_placement`: data sequence number of the first payload byte.
     */
    uint64_t dsn;
    /**
     * With `has_handshake` and `handshake_error` 0: the answer classified.
     */
    struct mptcpscan_classification classification;
    /**
     * With `has_handshake`: why the SYN does not describe a probe (a result code), or 0.
     */
    uint32_t handshake_error;
    /**
     * `MPTCPSCAN_EVENT_*` bits.
     */
    uint32_t events;
    /**
     * Why the TCP option area does not walk (an `OPTION_*` result code), or 0.
     */
    uint32_t options_error;
    /**
     * The subflow's place in its connection (0: initial).
     */
    uint16_t subflow;
    /**
     * With `has_continuation` and a verdict: the checksum over the whole mapping.
     */
    uint16_t continuation_computed;
    /**
     * Non-zero when the segment belongs to a tracked MPTCP subflow.
     */
    uint8_t tracked;
    /**
     * Non-zero when `connection` and `subflow` are set.
     */
    uint8_t has_connection;
    /**
     * Non-zero when the segment answers an MP_CAPABLE SYN.
     */
    uint8_t has_handshake;
    /**
     * Non-zero when the payload continues an earlier checksummed mapping.
     */
    uint8_t has_continuation;
    /**
     * The continued mapping's checksum (`mptcpscan_check`).
     */
    uint8_t continuation_checksum;
    /**
     * Why it is unverifiable.
     */
    uint8_t continuation_why;
    /**
     * Non-zero when `continuation_computed` is set.
     */
    uint8_t has_continuation_computed;
    /**
     * Non-zero when `dsn` is set.
     */
    uint8_t has_placement;
    /**
     * How many of `options` are set.
     */
    uint8_t n_options;
    /**
     * The MPTCP options, in the segment's order.
     */
    struct mptcpscan_option_finding options[MPTCPSCAN_TRACK_MAX_OPTIONS];
} mptcpscan_findings;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Describes a probe from its TCP option area, for classifying the replies to it.
 *
 * Reads `options_len` bytes at `options` (the SYN's option area, with exactly one MP_CAPABLE).
 * On success writes the description to `*info`, with `has_window` 0.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `OPTION_*` (the area does not walk),
 * `OPTION_TOO_LONG` (more than 40 bytes), `NOT_FOUND` (no MP_CAPABLE), `MPTCP_*` (the
 * MP_CAPABLE does not parse, or offers a version other than 0 and 1: `MPTCP_BAD_VALUE`).
 */
mptcpscan_result mptcpscan_probe_describe(const uint8_t *options,
                                          size_t options_len,
                                          struct mptcpscan_probe_info *info);

/**
 * Classifies a reply given as a whole IPv4 or IPv6 packet (from the IP header on).
 *
 * Reads `*probe`, `seq` (the sequence number of the SYN this reply answers; a SYN-ACK must
 * acknowledge `seq + 1`) and `packet_len` bytes at `packet`. On success writes the verdict,
 * signals, key and TTL to `*out`. A reply that is not an MPTCP answer is still a success with
 * the matching verdict (`RST`, `NOT_SYN_ACK`, `MALFORMED` with `error` set, ...).
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`*probe` inconsistent:
 * `options_len` above 40, no MP_CAPABLE at `mp_capable_offset` within the options, version not 0
 * or 1), `WIRE_*` (the packet is not a whole IPv4/IPv6 TCP packet: truncated, bad header
 * length, not TCP).
 */
mptcpscan_result mptcpscan_classify_ip(const struct mptcpscan_probe_info *probe,
                                       uint32_t seq,
                                       const uint8_t *packet,
                                       size_t packet_len,
                                       struct mptcpscan_classification *out);

/**
 * Classifies a reply given as a TCP segment (from the TCP header on).
 *
 * Reads `*probe`, `seq` (as for `mptcpscan_classify_ip`), `segment_len` bytes at `segment` and
 * `ttl` (the IP TTL or hop limit, 0 to 255, or `MPTCPSCAN_TTL_UNKNOWN`). On success writes the
 * classification to `*out`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`ttl` above 255 and not
 * `MPTCPSCAN_TTL_UNKNOWN`, or `*probe` inconsistent), `WIRE_*` (not a whole TCP header).
 */
mptcpscan_result mptcpscan_classify_tcp(const struct mptcpscan_probe_info *probe,
                                        uint32_t seq,
                                        const uint8_t *segment,
                                        size_t segment_len,
                                        uint32_t ttl,
                                        struct mptcpscan_classification *out);

/**
 * Combines the classifications of one host's replies to a v0 and a v1 probe.
 *
 * Reads `*v0` and `*v1`, the classifications of the replies to the v0 and the v1 probe; NULL
 * means that probe got no reply. Reads `*our_v0_key`, the key the v0 probe sent (NULL: unknown),
 * to catch a v1 reply carrying it. On success writes the host verdict to `*out`.
 *
 * Errors: `NULL_PARAMETER` (`out` only), `MISALIGNED`, `INVALID_ARGUMENT` (a `verdict` out of
 * range).
 */
mptcpscan_result mptcpscan_combine(const struct mptcpscan_classification *v0,
                                   const struct mptcpscan_classification *v1,
                                   const uint64_t *our_v0_key,
                                   struct mptcpscan_host_classification *out);

/**
 * Names a reply verdict ("mptcp-v1", "mirrored", ...), as output fields print it.
 *
 * Reads `verdict` (an `mptcpscan_verdict` value). On success writes a static NUL-terminated
 * string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`verdict` out of range).
 */
mptcpscan_result mptcpscan_verdict_name(uint32_t verdict, const char **name);

/**
 * Names a host verdict ("v1-only", "mirrored", ...), as output fields print it.
 *
 * Reads `verdict` (an `mptcpscan_host_verdict` value). On success writes a static
 * NUL-terminated string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`verdict` out of range).
 */
mptcpscan_result mptcpscan_host_verdict_name(uint32_t verdict, const char **name);

/**
 * Writes the names of the set reply signals ("key-echoed,ts-echoed"), lowest bit first, joined
 * by commas, as a NUL-terminated string: an output field for ZMap or a report.
 *
 * Reads `signals` (`MPTCPSCAN_SIGNAL_*` bits; unknown bits are skipped). On success writes the
 * string and its NUL to the front of the `buf_len` bytes at `buf`, and the string's length
 * (without the NUL) to `*written`; on error nothing is written. No signal gives the empty string.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT` (`buf_len` below the string's length
 * plus one; 320 bytes always suffice).
 */
mptcpscan_result mptcpscan_signals_format(uint32_t signals,
                                          char *buf,
                                          size_t buf_len,
                                          size_t *written);

/**
 * Derives the connection token and initial data sequence number of an MP_CAPABLE key.
 *
 * Reads `version` (`mptcpscan_mptcp_version`: 0 hashes with SHA-1, 1 with SHA-256) and `key`.
 * On success writes the token (most significant 32 bits of the hash) to `*token` and the IDSN
 * (least significant 64 bits) to `*idsn`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown version).
 */
mptcpscan_result mptcpscan_key_derive(uint32_t version,
                                      uint64_t key,
                                      uint32_t *token,
                                      uint64_t *idsn);

/**
 * Computes every MP_JOIN HMAC of one handshake.
 *
 * Reads `version` (`mptcpscan_mptcp_version`) and `*handshake`. On success writes the expected
 * token, the truncated HMACs the SYN-ACK and third ACK carry, and both full HMACs to `*hmacs`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown version).
 */
mptcpscan_result mptcpscan_join_compute(uint32_t version,
                                        const struct mptcpscan_join_handshake *handshake,
                                        struct mptcpscan_join_hmacs *hmacs);

/**
 * Checks the 64-bit HMAC read from an MP_JOIN SYN-ACK.
 *
 * Reads `version`, `*handshake` and `hmac_len` bytes at `hmac` (wire order). On success writes
 * whether they are the listener's truncated HMAC to `*valid`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown version, or `hmac_len`
 * not `MPTCPSCAN_SHORT_HMAC_LEN`).
 */
mptcpscan_result mptcpscan_join_verify_syn_ack(uint32_t version,
                                               const struct mptcpscan_join_handshake *handshake,
                                               const uint8_t *hmac,
                                               size_t hmac_len,
                                               bool *valid);

/**
 * Checks the 160-bit HMAC read from an MP_JOIN third ACK.
 *
 * Reads `version`, `*handshake` and `hmac_len` bytes at `hmac` (wire order). On success writes
 * whether they are the initiator's HMAC to `*valid`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown version, or `hmac_len`
 * not `MPTCPSCAN_JOIN_ACK_HMAC_LEN`).
 */
mptcpscan_result mptcpscan_join_verify_ack(uint32_t version,
                                           const struct mptcpscan_join_handshake *handshake,
                                           const uint8_t *hmac,
                                           size_t hmac_len,
                                           bool *valid);

/**
 * Computes the HMAC a v1 ADD_ADDR must carry (the rightmost 64 bits, RFC 8684).
 *
 * Reads `*keys` (`sender` = the key of the host that sends the ADD_ADDR), `address_id`,
 * `*address` and `port` (0 when the option carries no port: the two port bytes are hashed either
 * way). On success writes the HMAC's `MPTCPSCAN_SHORT_HMAC_LEN` bytes, in wire order, to the
 * front of the `hmac_len` bytes at `hmac`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown address family),
 * `BUFFER_TOO_SHORT` (`hmac_len` below `MPTCPSCAN_SHORT_HMAC_LEN`).
 */
mptcpscan_result mptcpscan_add_addr_hmac(const struct mptcpscan_hmac_keys *keys,
                                         uint8_t address_id,
                                         const struct mptcpscan_address *address,
                                         uint16_t port,
                                         uint8_t *hmac,
                                         size_t hmac_len);

/**
 * Checks the HMAC a v1 ADD_ADDR carries, recognising the pre-RFC leftmost truncation.
 *
 * Reads the same arguments as `mptcpscan_add_addr_hmac` plus `hmac_len` bytes at `hmac`, the
 * HMAC the option carries in wire order. On success writes an `mptcpscan_add_addr_check` value
 * to `*check`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown address family, or
 * `hmac_len` not `MPTCPSCAN_SHORT_HMAC_LEN`).
 */
mptcpscan_result mptcpscan_add_addr_verify(const struct mptcpscan_hmac_keys *keys,
                                           uint8_t address_id,
                                           const struct mptcpscan_address *address,
                                           uint16_t port,
                                           const uint8_t *hmac,
                                           size_t hmac_len,
                                           uint32_t *check);

/**
 * Computes the DSS checksum of a mapping whose payload is in one buffer.
 *
 * Reads `*mapping` and `payload_len` bytes at `payload` (`payload` must not be NULL even when
 * `payload_len` is 0). On success writes the checksum, as the option carries it, to `*checksum`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_dss_checksum(const struct mptcpscan_dss_mapping *mapping,
                                        const uint8_t *payload,
                                        size_t payload_len,
                                        uint16_t *checksum);

/**
 * Checks the DSS checksum of a mapping whose payload is in one buffer.
 *
 * Reads `*mapping`, `payload_len` bytes at `payload` (not NULL, even when empty) and `checksum`
 * (the value the DSS option carries). On success writes whether it matches to `*valid`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_dss_checksum_verify(const struct mptcpscan_dss_mapping *mapping,
                                               const uint8_t *payload,
                                               size_t payload_len,
                                               uint16_t checksum,
                                               bool *valid);

/**
 * Starts a DSS checksum for a mapping whose payload arrives in pieces.
 *
 * Reads `*mapping`. On success allocates a checksum state and writes it to `*sum`; feed it with
 * `mptcpscan_dss_sum_update` and release it with `mptcpscan_dss_sum_free`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_dss_sum_new(const struct mptcpscan_dss_mapping *mapping,
                                       struct mptcpscan_dss_sum **sum);

/**
 * Adds the next piece of a mapping's payload (pieces of any length, odd ones included).
 *
 * Reads `piece_len` bytes at `piece` (not NULL) and updates `*sum`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_dss_sum_update(struct mptcpscan_dss_sum *sum,
                                          const uint8_t *piece,
                                          size_t piece_len);

/**
 * Finishes a DSS checksum: the value a DSS option would carry, and whether it is `expected`.
 *
 * Reads `*sum` (which stays usable and unchanged) and `expected` (the checksum the option
 * carries). On success writes the computed checksum to `*checksum` and whether it equals
 * `expected` to `*valid`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_dss_sum_finish(const struct mptcpscan_dss_sum *sum,
                                          uint16_t expected,
                                          uint16_t *checksum,
                                          bool *valid);

/**
 * Releases a DSS checksum state. NULL is accepted and does nothing.
 *
 * Reads and frees `sum`, which must come from `mptcpscan_dss_sum_new` and not be used again.
 */
void mptcpscan_dss_sum_free(struct mptcpscan_dss_sum *sum);

/**
 * Expands a 32-bit data sequence number from a DSS option to 64 bits.
 *
 * Reads `low` (the option's 32-bit DSN or data ACK) and `near` (a 64-bit DSN of the same
 * direction already known: the IDSN at first, then the last expanded value). On success writes
 * the 64-bit value with those low 32 bits closest to `near` to `*dsn`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_dss_expand_dsn(uint32_t low, uint64_t near, uint64_t *dsn);

/**
 * Describes a result code in English.
 *
 * Reads `code` (any integer, typically an `mptcpscan_result`). Returns a static NUL-terminated
 * string that lives as long as the library is loaded and must not be freed; an unknown code gives
 * "unknown mptcpscan result code". Never fails.
 */
const char *mptcpscan_strerror(uint32_t code);

/**
 * Decodes one whole MPTCP option (kind 30) into its C struct.
 *
 * Reads `option_len` bytes at `option` (kind and length bytes included, as
 * `mptcpscan_options_find_mptcp` or `mptcpscan_option_next` locate them) and `version`, the
 * connection's `mptcpscan_mptcp_version`, which only ADD_ADDR's layout depends on (the v0 and v1
 * layouts share lengths). On success writes the option to `*out`, unused bytes zeroed.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown version), `MPTCP_*` (the
 * bytes are not a well-formed MPTCP option: see each code), `OPTION_TOO_LONG` (a variable part
 * longer than a TCP header can carry).
 */
mptcpscan_result mptcpscan_mptcp_parse(const uint8_t *option,
                                       size_t option_len,
                                       uint32_t version,
                                       struct mptcpscan_mptcp_option *out);

/**
 * Encodes an MPTCP option from its C struct.
 *
 * Reads `*option` (the member of `body` that `subtype` selects; `length` is ignored). On
 * success writes the whole option (kind and length bytes included) to the front of the
 * `buf_len` bytes at `buf` and its length to `*written`. Decoding what a parse returned gives
 * the same bytes back.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT`, `INVALID_ARGUMENT` (subtype above
 * 15, unknown join stage, ADD_ADDR version or address family, `count` or `data_len` out of
 * range, an unknown subtype whose first data byte disagrees), `MPTCP_UNREPRESENTABLE` (fields
 * that make no valid layout: MP_CAPABLE's receiver key without the sender's, a nibble or 12-bit
 * field with higher bits set, a DSS value wider than 32 bits without flag a or m, v0 ADD_ADDR
 * flags or HMAC, an empty REMOVE_ADDR).
 */
mptcpscan_result mptcpscan_mptcp_emit(const struct mptcpscan_mptcp_option *option,
                                      uint8_t *buf,
                                      size_t buf_len,
                                      size_t *written);

/**
 * Names an MPTCP subtype ("MP_CAPABLE", "DSS", ..., "MP_EXPERIMENTAL", "unknown" for 9 to 14).
 *
 * Reads `subtype`. On success writes a static NUL-terminated string (never to be freed) to
 * `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`subtype` above 15).
 */
mptcpscan_result mptcpscan_mptcp_subtype_name(uint32_t subtype, const char **name);

/**
 * Names an MP_TCPRST reason code ("middlebox interference", ...; "unassigned" for codes RFC 8684
 * does not define).
 *
 * Reads `reason`. On success writes a static NUL-terminated string (never to be freed) to
 * `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_tcprst_reason_name(uint8_t reason, const char **name);

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
 * `capacity` options; `MPTCPSCAN_MAX_OPTIONS_LEN` entries always suffice for a TCP header's
 * area), `OPTION_TOO_LONG` (more than 41 options: an area longer than any TCP header), and the
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
 * Finds the TCP option area of a whole IPv4 or IPv6 packet carrying TCP (no link layer, no IPv6
 * extension headers), as every mptcpscan tool finds it (`mptcpscan::wire::tcp_in_ip`).
 *
 * Reads `packet_len` bytes at `packet`. On success writes the offset of the option area in
 * `packet` to `*offset` and its length (0 without options) to `*length`: pass them to
 * `mptcpscan_options_text` or `mptcpscan_options_walk`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `WIRE_*` (not IP, not TCP, a later IPv4 fragment, or
 * cut short before the end of the TCP header its data offset announces).
 */
mptcpscan_result mptcpscan_ip_tcp_options(const uint8_t *packet,
                                          size_t packet_len,
                                          size_t *offset,
                                          size_t *length);

/**
 * Writes an option area as the `optionstext` output field every mptcpscan tool prints: one
 * space-separated token per option in wire order, e.g.
 * "MSS:1460 SACKPERM TS:3087443263/0 NOP WS:7 MPCAPABLE:v1:flags=01:key=d20fa49300bda23d".
 *
 * Tokens: `EOL`, `NOP`, `MSS:<n>`, `WS:<n>`, `SACKPERM`, `SACK:<hex>`, `TS:<tsval>/<tsecr>`,
 * `MPCAPABLE:v<version>:flags=<2 hex digits>[:key=<16 hex digits>]`, `MPTCP:<whole option in
 * hex>` (other MPTCP options), `K<kind>:<hex after the length byte>` (other kinds), and
 * `MALFORMED@<offset>` ending the text at an option whose length is wrong. No token holds a
 * space or a comma. The format is the core's (`mptcpscan::optionstext`).
 *
 * Reads `area_len` bytes at `area` (the bytes between the fixed TCP header and the payload, or
 * as many of them as were captured). On success writes the NUL-terminated text to the front of
 * the `buf_len` bytes at `buf` and its length (without the NUL) to `*written`; on error nothing
 * is written. A malformed area is not an error: its text says where it breaks.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT` (`MPTCPSCAN_OPTIONS_TEXT_LEN`
 * bytes always suffice for an area of at most 40 bytes).
 */
mptcpscan_result mptcpscan_options_text(const uint8_t *area,
                                        size_t area_len,
                                        char *buf,
                                        size_t buf_len,
                                        size_t *written);

/**
 * Fills a probe spec with the usual values for its companions: MSS 1460, the stack's window
 * scale and window, a recognisable TSval; the 2021 study's block with ZMap's window 65535.
 *
 * Reads `version` (`mptcpscan_mptcp_version`), `key` (the v0 key; ignored for v1) and
 * `companions` (an `mptcpscan_companions` value other than `RAW`: set `companions`, `raw` and
 * `raw_len` afterwards for raw bytes). On success writes the spec to `*spec`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (version or companions out of
 * range, or `RAW`).
 */
mptcpscan_result mptcpscan_probe_spec_default(uint32_t version,
                                              uint64_t key,
                                              uint32_t companions,
                                              struct mptcpscan_probe_spec *spec);

/**
 * Builds the TCP option block of a probe: what tracebox or any raw-socket sender puts after the
 * TCP header.
 *
 * Reads `*spec`. On success writes the block (padded with EOL bytes to a multiple of 4, at most
 * `MPTCPSCAN_MAX_OPTIONS_LEN` bytes) to the front of the `buf_len` bytes at `buf`, and its length
 * to `*written`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (a field out of range),
 * `OPTION_*` (raw bytes that do not walk), `OPTION_TOO_LONG` (more than 40 bytes),
 * `BUFFER_TOO_SHORT`.
 */
mptcpscan_result mptcpscan_probe_options(const struct mptcpscan_probe_spec *spec,
                                         uint8_t *buf,
                                         size_t buf_len,
                                         size_t *written);

/**
 * Creates a SYN template for a probe spec.
 *
 * Reads `family` (`MPTCPSCAN_ADDRESS_FAMILY_IPV4` or `_IPV6`) and `*spec`. On success allocates
 * the template and writes it to `*template`; release it with `mptcpscan_syn_template_free`. The
 * template is immutable: threads may share it.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (family or a spec field out of
 * range), `OPTION_*`, `OPTION_TOO_LONG`.
 */
mptcpscan_result mptcpscan_syn_template_new(uint32_t family,
                                            const struct mptcpscan_probe_spec *spec,
                                            struct mptcpscan_syn_template **template_);

/**
 * Creates a SYN template sending a caller-given option block (e.g. ZMap's
 * `--probe-args=hex:...`).
 *
 * Reads `family`, `options_len` bytes at `options` (they must walk as TCP options; they are
 * padded with EOL bytes to a multiple of 4 and must then fit 40 bytes) and `window`. On success
 * allocates the template and writes it to `*template`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (family), `OPTION_*`,
 * `OPTION_TOO_LONG`.
 */
mptcpscan_result mptcpscan_syn_template_new_raw(uint32_t family,
                                                const uint8_t *options,
                                                size_t options_len,
                                                uint16_t window,
                                                struct mptcpscan_syn_template **template_);

/**
 * Releases a SYN template. NULL is accepted and does nothing.
 *
 * Reads and frees `template`, which must come from `mptcpscan_syn_template_new` or `_new_raw` and
 * not be used again.
 */
void mptcpscan_syn_template_free(struct mptcpscan_syn_template *template_);

/**
 * Describes the probe a template sends, for classifying its replies.
 *
 * Reads `*template`. On success writes the description to `*info`, the SYN's window included
 * (`has_window` 1).
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `NOT_FOUND` (a raw block without MP_CAPABLE),
 * `MPTCP_*` (its MP_CAPABLE does not parse or offers another version than 0 or 1).
 */
mptcpscan_result mptcpscan_syn_template_info(const struct mptcpscan_syn_template *template_,
                                             struct mptcpscan_probe_info *info);

/**
 * Writes a template's constant bytes: once per packet buffer (ZMap's `prepare_packet`).
 *
 * Reads `*template`. On success writes the whole packet with its per-target fields zero to the
 * front of the `buf_len` bytes at `buf`, and the packet length to `*len`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT` (`MPTCPSCAN_MAX_SYN_V4_LEN` or
 * `_V6_LEN` bytes always suffice).
 */
mptcpscan_result mptcpscan_syn_template_prepare(const struct mptcpscan_syn_template *template_,
                                                uint8_t *buf,
                                                size_t buf_len,
                                                size_t *len);

/**
 * Writes an IPv4 SYN's per-target fields and both checksums into a buffer that
 * `mptcpscan_syn_template_prepare` filled with this template (ZMap's `make_packet`): a few
 * stores and two checksum folds, no allocation.
 *
 * Reads `*template` and `*target`. On success writes addresses, ports, sequence number, IP id,
 * TTL and checksums into the `buf_len` bytes at `buf`, and the packet length to `*len`. A buffer
 * prepared by another template gives a packet with wrong checksums, not an error.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (an IPv6 template),
 * `BUFFER_TOO_SHORT`.
 */
mptcpscan_result mptcpscan_syn_template_patch_v4(const struct mptcpscan_syn_template *template_,
                                                 const struct mptcpscan_ipv4_target *target,
                                                 uint8_t *buf,
                                                 size_t buf_len,
                                                 size_t *len);

/**
 * Writes an IPv6 SYN's per-target fields and TCP checksum into a prepared buffer.
 *
 * Reads `*template` and `*target`. On success writes addresses, ports, sequence number, hop
 * limit and the TCP checksum into the `buf_len` bytes at `buf`, and the packet length to `*len`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (an IPv4 template),
 * `BUFFER_TOO_SHORT`.
 */
mptcpscan_result mptcpscan_syn_template_patch_v6(const struct mptcpscan_syn_template *template_,
                                                 const struct mptcpscan_ipv6_target *target,
                                                 uint8_t *buf,
                                                 size_t buf_len,
                                                 size_t *len);

/**
 * Changes only the TTL (IPv4, with an incremental IP checksum update) or hop limit (IPv6) of a
 * written probe: what a TTL sweep (tracebox) does between two sends.
 *
 * Reads `*template` and `ttl`; updates the packet in the `buf_len` bytes at `buf`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT` (shorter than the IP header).
 */
mptcpscan_result mptcpscan_syn_template_set_ttl(const struct mptcpscan_syn_template *template_,
                                                uint8_t ttl,
                                                uint8_t *buf,
                                                size_t buf_len);

/**
 * Names a set of companion options ("linux", "windows", "bsd", "minimal", "study2021"), as
 * command lines and probe arguments take it.
 *
 * Reads `companions` (an `mptcpscan_companions` value other than `RAW`). On success writes a
 * static NUL-terminated string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`companions` out of range or
 * `RAW`).
 */
mptcpscan_result mptcpscan_companions_name(uint32_t companions, const char **name);

/**
 * Finds a set of companion options by name ("linux", "windows", "bsd", "minimal",
 * "study2021"), so hosts take the same names as `mptcpscan scan --options`.
 *
 * Reads the NUL-terminated string `name`. On success writes the `mptcpscan_companions` value
 * to `*companions`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `NOT_FOUND` (no set has that name).
 */
mptcpscan_result mptcpscan_companions_from_name(const char *name, uint32_t *companions);

/**
 * Parses an ICMPv4 or ICMPv6 error message received as a whole IP packet (no link layer).
 *
 * Reads `packet_len` bytes at `packet`. On success writes the sender, type, code, kind,
 * checksum verdict, arrival TTL and the position of the quoted packet to `*error`: pass
 * `packet + quote_offset` and `quote_len` to `mptcpscan_quote_compare`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `WIRE_*` (not an IP packet, not ICMP, truncated),
 * `WIRE_NOT_AN_ERROR` (an ICMP message that quotes nothing, e.g. an echo reply).
 */
mptcpscan_result mptcpscan_icmp_error_parse(const uint8_t *packet,
                                            size_t packet_len,
                                            struct mptcpscan_icmp_error *error);

/**
 * Compares the packet we sent with a router's quote of it, field by field (tracebox).
 *
 * Reads `sent_len` bytes at `sent` (our packet from its IP header) and `quote_len` bytes at
 * `quote` (the quoted packet from its IP header, as `mptcpscan_icmp_error_parse` locates it). On
 * success writes the changes, in the order found (IP, TCP, options, MPTCP), to
 * `changes[0..diff->change_count]` and the summary to `*diff`. The TTL and a checksum the TTL
 * explains are expected and reported in the summary only: no change means the path changed
 * nothing.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT` (more changes than `capacity`;
 * `MPTCPSCAN_QUOTE_MAX_CHANGES` always suffices), `QUOTE_SENT_INVALID` (`sent` is not an
 * IPv4/IPv6 TCP packet), `QUOTE_FAMILY_MISMATCH`, `WIRE_*` (the quote cannot start an IP
 * packet).
 */
mptcpscan_result mptcpscan_quote_compare(const uint8_t *sent,
                                         size_t sent_len,
                                         const uint8_t *quote,
                                         size_t quote_len,
                                         struct mptcpscan_quote_diff *diff,
                                         struct mptcpscan_quote_change *changes,
                                         size_t capacity);

/**
 * Writes the diff of a packet and its quote as tracebox prints it: space-separated tokens such
 * as `IP::TTL IP::CheckSum TCP::CheckSum -TCPOptionMPTCPCapable +TCPOptionPad [PARTIAL]`.
 *
 * Reads the same inputs as `mptcpscan_quote_compare`. On success writes the NUL-terminated text
 * to the front of the `buf_len` bytes at `buf` and its length (without the NUL) to `*written`;
 * on error nothing is written.
 *
 * Errors: as `mptcpscan_quote_compare`, and `BUFFER_TOO_SHORT` for the text (1024 bytes always
 * suffice).
 */
mptcpscan_result mptcpscan_quote_tokens(const uint8_t *sent,
                                        size_t sent_len,
                                        const uint8_t *quote,
                                        size_t quote_len,
                                        char *buf,
                                        size_t buf_len,
                                        size_t *written);

/**
 * Names what a hop did to our MP_CAPABLE: "intact", "removed", "replaced-by-nops",
 * "key-rewritten(12 bits)", "version-or-flags-changed", "partial-length-changed(72->68)",
 * "no-information".
 *
 * Reads `*hop`. On success writes the NUL-terminated name to the front of the `buf_len` bytes at
 * `buf` and its length to `*written`; on error nothing is written.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`kind` out of range),
 * `BUFFER_TOO_SHORT` (64 bytes always suffice).
 */
mptcpscan_result mptcpscan_mptcp_hop_format(const struct mptcpscan_mptcp_hop *hop,
                                            char *buf,
                                            size_t buf_len,
                                            size_t *written);

/**
 * Over a path, finds the first hop whose quote shows our MP_CAPABLE changed: a candidate is truly
 * MPTCP when only the server (the last hop) changes it, middlebox-affected when an earlier hop
 * does.
 *
 * Reads `count` hop summaries at `hops` (`hops[i]` for TTL `i + 1`, `NO_INFORMATION` for a
 * silent hop). On success writes the first change to `*change`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (a `kind` out of range, or more
 * than 255 hops), `NOT_FOUND` (no hop shows a change).
 */
mptcpscan_result mptcpscan_first_mptcp_change(const struct mptcpscan_mptcp_hop *hops,
                                              size_t count,
                                              struct mptcpscan_path_change *change);

/**
 * Names a hop kind without its details ("no-information", "intact", "removed",
 * "replaced-by-nops", "key-rewritten", "version-or-flags-changed", "partial-length-changed");
 * `mptcpscan_mptcp_hop_format` adds them.
 *
 * Reads `kind` (an `mptcpscan_mptcp_hop_kind` value). On success writes a static NUL-terminated
 * string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`kind` out of range).
 */
mptcpscan_result mptcpscan_mptcp_hop_kind_name(uint32_t kind, const char **name);

/**
 * Names how far a quote reaches ("ip-header-cut", "ip-header", "transport-cut",
 * "tcp-fixed-header", "tcp-header").
 *
 * Reads `reach` (an `mptcpscan_reach` value). On success writes a static NUL-terminated string
 * (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`reach` out of range).
 */
mptcpscan_result mptcpscan_reach_name(uint32_t reach, const char **name);

/**
 * Creates a tracker that also keeps each finished connection's record (what
 * `mptcpscan dissect --connections` prints), for `mptcpscan_tracker_connection`.
 *
 * Like `mptcpscan_tracker_new`, but records stay in the tracker until it is freed, so memory
 * grows with the number of connections. On success writes the tracker to `*tracker`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_tracker_new_with_records(struct mptcpscan_tracker **tracker);

/**
 * Ends the capture: finishes every connection still open (their ending is then "open" unless
 * they closed) so that its record can be read. Feed nothing after it.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_tracker_finish(struct mptcpscan_tracker *tracker);

/**
 * Writes to `*count` how many connection records the tracker holds: those finished so far
 * (all of them after `mptcpscan_tracker_finish`). Always 0 for a tracker from
 * `mptcpscan_tracker_new`, which keeps none.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_tracker_connection_count(struct mptcpscan_tracker *tracker,
                                                    size_t *count);

/**
 * Writes to `*record` connection record `index` (0-based, below the count
 * `mptcpscan_tracker_connection_count` gave), in order of finishing.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`index` out of range).
 */
mptcpscan_result mptcpscan_tracker_connection(const struct mptcpscan_tracker *tracker,
                                              size_t index,
                                              struct mptcpscan_connection *record);

/**
 * Writes to `*record` subflow `subflow` (0-based, below the record's `n_subflows`; initial
 * first, then joins in the order they were attached) of connection record `connection`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (an index out of range).
 */
mptcpscan_result mptcpscan_tracker_subflow(const struct mptcpscan_tracker *tracker,
                                           size_t connection,
                                           size_t subflow,
                                           struct mptcpscan_subflow *record);

/**
 * Names how a connection ended ("data_fin", "tcp_rst", "open", ...), as `dissect` prints it.
 *
 * Reads `ending` (an `mptcpscan_connection_ending`). On success writes a static NUL-terminated
 * string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`ending` out of range).
 */
mptcpscan_result mptcpscan_connection_ending_name(uint32_t ending, const char **name);

/**
 * Names how a subflow ended ("fin", "rst", "mp_tcprst", "open").
 *
 * Reads `ending` (an `mptcpscan_subflow_ending`). On success writes a static NUL-terminated
 * string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`ending` out of range).
 */
mptcpscan_result mptcpscan_subflow_ending_name(uint32_t ending, const char **name);

/**
 * Names a subflow's handshake outcome ("established", "failed", "attempted").
 *
 * Reads `state` (an `mptcpscan_subflow_state`). On success writes a static NUL-terminated
 * string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`state` out of range).
 */
mptcpscan_result mptcpscan_subflow_state_name(uint32_t state, const char **name);

/**
 * Names why a subflow's handshake failed ("bad HMAC", "reset", ...).
 *
 * Reads `reason` (an `mptcpscan_fail_reason`). On success writes a static NUL-terminated string
 * (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`reason` out of range).
 */
mptcpscan_result mptcpscan_fail_reason_name(uint32_t reason, const char **name);

/**
 * Classifies an address by the IANA special-purpose registries.
 *
 * Reads `*address`. On success writes an `mptcpscan_scope` value to `*scope`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown `family`).
 */
mptcpscan_result mptcpscan_address_scope(const struct mptcpscan_address *address, uint32_t *scope);

/**
 * Names a scope and says whether advertising an address of that scope leaks information (the
 * peer cannot use it, so announcing it only describes the sender's network: everything but
 * public and 6to4).
 *
 * Reads `scope` (an `mptcpscan_scope` value). On success writes a static NUL-terminated
 * lower-case name such as "private" or "link-local" to `*name` (never to be freed) and the leak
 * flag to `*is_leak`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`scope` out of range).
 */
mptcpscan_result mptcpscan_scope_describe(uint32_t scope, const char **name, bool *is_leak);

/**
 * Counts one received key.
 *
 * Reads `key`; updates `*histogram`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_histogram_add(struct mptcpscan_histogram *histogram, uint64_t key);

/**
 * Adds the counts of `*other` to `*histogram` (e.g. one histogram per scanning thread).
 *
 * Reads `*other`; updates `*histogram` (`other` may be `histogram` itself: counts double).
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_histogram_merge(struct mptcpscan_histogram *histogram,
                                           const struct mptcpscan_histogram *other);

/**
 * Summarises a histogram: size, mean, variance, and the chi-square test against
 * Binomial(64, 1/2).
 *
 * Reads `*histogram`. On success writes the summary to `*summary` (fields without data are 0).
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_histogram_summarize(const struct mptcpscan_histogram *histogram,
                                               struct mptcpscan_histogram_summary *summary);

/**
 * How many more keys than Binomial(64, 1/2) predicts had `weight` (negative if fewer).
 *
 * Reads `*histogram` and `weight` (0 to 64). On success writes the excess to `*excess`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`weight` above 64).
 */
mptcpscan_result mptcpscan_histogram_excess(const struct mptcpscan_histogram *histogram,
                                            uint32_t weight,
                                            double *excess);

/**
 * Concludes a trace of one target with one probe.
 *
 * Reads `count` hop summaries at `hops` (`hops[i]` for TTL `i + 1`, as
 * `mptcpscan_quote_compare` gives them; `NO_INFORMATION` for a silent hop and for the hop that
 * answered) and, when `answered` is non-zero, the classifier's verdict on the target's answer
 * (`verdict`, an `mptcpscan_verdict` value; ignored otherwise). On success writes the
 * conclusion to `*conclusion`. `hops` may be NULL when `count` is 0.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (a hop `kind` or `verdict` out of
 * range, or more than 255 hops).
 */
mptcpscan_result mptcpscan_trace_conclude(const struct mptcpscan_mptcp_hop *hops,
                                          size_t count,
                                          uint8_t answered,
                                          uint32_t verdict,
                                          struct mptcpscan_trace_conclusion *conclusion);

/**
 * Writes a conclusion as every tool prints it: the outcome's name, and for a middlebox the hop
 * and what its quote shows, e.g. "truly-mptcp" or
 * "middlebox-affected at hop 2 (key-rewritten(12 bits))".
 *
 * Reads `*conclusion`. On success writes the NUL-terminated text to the front of the `buf_len`
 * bytes at `buf` and its length (without the NUL) to `*written`; on error nothing is written.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (an outcome or hop kind out of
 * range, or `has_change` set for an outcome other than `MIDDLEBOX_AFFECTED` or missing for it),
 * `BUFFER_TOO_SHORT` (128 bytes always suffice).
 */
mptcpscan_result mptcpscan_trace_conclusion_format(const struct mptcpscan_trace_conclusion *conclusion,
                                                   char *buf,
                                                   size_t buf_len,
                                                   size_t *written);

/**
 * What the middlebox of a concluded trace did to our MP_CAPABLE (the core's
 * `Conclusion::interference`): `NONE` without a change, `STRIPPED` when the first changed hop's
 * quote shows the option gone.
 *
 * Reads `*conclusion`. On success writes an `mptcpscan_trace_interference` value to
 * `*interference`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (as for
 * `mptcpscan_trace_conclusion_format`).
 */
mptcpscan_result mptcpscan_trace_conclusion_interference(const struct mptcpscan_trace_conclusion *conclusion,
                                                         uint32_t *interference);

/**
 * Names a trace outcome ("middlebox-affected", "mirrored", "truly-mptcp", "not-mptcp",
 * "closed", "unreachable").
 *
 * Reads `outcome` (an `mptcpscan_trace_outcome` value). On success writes a static
 * NUL-terminated string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`outcome` out of range).
 */
mptcpscan_result mptcpscan_trace_outcome_name(uint32_t outcome, const char **name);

/**
 * Of two probes' outcomes for one host, the one that tells more: a path change, then a mirror,
 * then an MPTCP answer, then a plain one, a reset, no answer (the smaller value).
 *
 * Reads `a` and `b` (`mptcpscan_trace_outcome` values). On success writes the more telling one
 * to `*outcome`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`a` or `b` out of range).
 */
mptcpscan_result mptcpscan_trace_outcome_most_telling(uint32_t a, uint32_t b, uint32_t *outcome);

/**
 * Names what a middlebox did to our MP_CAPABLE ("none", "stripped", "rewritten", "resized").
 *
 * Reads `interference` (an `mptcpscan_trace_interference` value). On success writes a static
 * NUL-terminated string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`interference` out of range).
 */
mptcpscan_result mptcpscan_trace_interference_name(uint32_t interference, const char **name);

/**
 * Names who answered a probe of a trace ("none", "icmp", "synack", "rst").
 *
 * Reads `responder` (an `mptcpscan_trace_responder` value). On success writes a static
 * NUL-terminated string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`responder` out of range).
 */
mptcpscan_result mptcpscan_trace_responder_name(uint32_t responder, const char **name);

/**
 * Creates a tracker for one capture.
 *
 * On success allocates the tracker and writes it to `*tracker`; release it with
 * `mptcpscan_tracker_free`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`.
 */
mptcpscan_result mptcpscan_tracker_new(struct mptcpscan_tracker **tracker);

/**
 * Feeds one TCP segment (in capture order) and describes what it found.
 *
 * Reads `*segment` and its `tcp_len` bytes at `tcp` (a whole TCP header at least), updates
 * `*tracker`, and on success writes the findings to `*findings`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (an address family, or `ttl`
 * above 255 and not `MPTCPSCAN_TTL_UNKNOWN`), `WIRE_*` (not a whole TCP header).
 */
mptcpscan_result mptcpscan_tracker_feed(struct mptcpscan_tracker *tracker,
                                        const struct mptcpscan_segment *segment,
                                        struct mptcpscan_findings *findings);

/**
 * Releases a tracker. NULL is accepted and does nothing.
 *
 * Reads and frees `tracker`, which must come from `mptcpscan_tracker_new` and not be used again.
 */
void mptcpscan_tracker_free(struct mptcpscan_tracker *tracker);

/**
 * Names a check's outcome ("valid", "invalid", "pre-rfc-truncation", "spans-segments",
 * "unverifiable"), as both `dissect` and the tshark plugin print it.
 *
 * Reads `check` (an `mptcpscan_check` value other than `NONE`). On success writes a static
 * NUL-terminated string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`check` out of range or `NONE`).
 */
mptcpscan_result mptcpscan_check_name(uint32_t check, const char **name);

/**
 * Names why a check was unverifiable ("keys unknown", "payload not captured", ...).
 *
 * Reads `why` (an `mptcpscan_unverifiable` value other than `NONE`). On success writes a static
 * NUL-terminated string (never to be freed) to `*name`.
 *
 * Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`why` out of range or `NONE`).
 */
mptcpscan_result mptcpscan_unverifiable_name(uint32_t why, const char **name);

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
