/* packet-mptcpscan.c
 * Postdissector adding mptcpscan's verdicts and checks to MPTCP traffic:
 * mirrored handshakes, MP_JOIN and ADD_ADDR HMACs, DSS checksums, tokens,
 * leaked addresses, and what the path did to a probe's options as ICMP
 * time-exceeded quotes show it. Every protocol decision is made by
 * libmptcpscan (the C ABI of the mptcpscan core): its connection tracker,
 * the one `mptcpscan dissect` uses, gets every TCP segment of the first pass;
 * this file finds the bytes Wireshark's own dissectors located, caches what
 * the tracker found per frame, and presents it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define WS_BUILD_DLL

#include <wireshark.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/address.h>
#include <epan/ipproto.h>
#include <epan/dissectors/packet-ip.h>

/* The API differs between the releases the plugin builds against (4.0, 4.2,
 * 4.4, 4.6: check-api.sh builds it against each); ws_version.h says which
 * one this is. The module descriptor of Wireshark's development branch
 * (WIRESHARK_PLUGIN_REGISTER) is in no release yet, so it is not used. */
#define MPTCPSCAN_WS_AT_LEAST(major, minor) \
    (WIRESHARK_VERSION_MAJOR > (major) || \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

/* Installed from 4.4 on: plugin_describe() and its WS_PLUGIN_DESC_* flags. */
#if MPTCPSCAN_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h>
#endif

#include <mptcpscan.h>

/* Boolean preferences are C99 bools from 4.4 on. */
#if MPTCPSCAN_WS_AT_LEAST(4, 4)
typedef bool pref_bool;
#else
typedef gboolean pref_bool;
#endif

/* tvb_get_uint8 is 4.4's name; up to 4.2 there is only tvb_get_guint8, which
 * 4.4 deprecates. */
#if !MPTCPSCAN_WS_AT_LEAST(4, 4)
#define tvb_get_uint8 tvb_get_guint8
#endif

#define TCP_HEADER_LEN      20
#define TCP_FLAG_RST        0x04
#define TCP_FLAG_SYN        0x02
#define TCP_FLAG_ACK        0x10

#define MPTCPSCAN_PLUGIN_VERSION "0.1.0"

/* Plugin entry points, the symbols Wireshark's plugin loader looks up (the
 * same in 4.0 to 4.6); 4.4 added plugin_describe. */
WS_DLL_PUBLIC_DEF const gchar plugin_version[] = MPTCPSCAN_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);
#if MPTCPSCAN_WS_AT_LEAST(4, 4)
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif

void proto_register_mptcpscan(void);
void proto_reg_handoff_mptcpscan(void);

static int proto_mptcpscan = -1;

static int hf_mptcpscan_verdict = -1;
static int hf_mptcpscan_signals = -1;
static int hf_mptcpscan_signal = -1;
static int hf_mptcpscan_signal_bits = -1;
static int hf_mptcpscan_syn_frame = -1;
static int hf_mptcpscan_optionstext = -1;
static int hf_mptcpscan_key_weight = -1;
static int hf_mptcpscan_option = -1;
static int hf_mptcpscan_subtype = -1;
static int hf_mptcpscan_error = -1;
static int hf_mptcpscan_key = -1;
static int hf_mptcpscan_token = -1;
static int hf_mptcpscan_idsn = -1;
static int hf_mptcpscan_join_token_known = -1;
static int hf_mptcpscan_join_connection = -1;
static int hf_mptcpscan_join_hmac = -1;
static int hf_mptcpscan_add_addr_hmac = -1;
static int hf_mptcpscan_add_addr_scope = -1;
static int hf_mptcpscan_add_addr_leak = -1;
static int hf_mptcpscan_dss_checksum = -1;
static int hf_mptcpscan_dss_checksum_computed = -1;
static int hf_mptcpscan_dss_mapping_frame = -1;
static int hf_mptcpscan_fastclose_key = -1;
static int hf_mptcpscan_fail_dsn = -1;
static int hf_mptcpscan_tcprst_reason = -1;
static int hf_mptcpscan_quote_probe_frame = -1;
static int hf_mptcpscan_quote_changes = -1;
static int hf_mptcpscan_quote_change = -1;
static int hf_mptcpscan_quote_mp_capable = -1;
static int hf_mptcpscan_unverifiable = -1;

static gint ett_mptcpscan = -1;
static gint ett_mptcpscan_option = -1;

static expert_field ei_mptcpscan_mirrored = EI_INIT;
static expert_field ei_mptcpscan_suspicious = EI_INIT;
static expert_field ei_mptcpscan_malformed_option = EI_INIT;
static expert_field ei_mptcpscan_bad_join_hmac = EI_INIT;
static expert_field ei_mptcpscan_unknown_token = EI_INIT;
static expert_field ei_mptcpscan_bad_add_addr_hmac = EI_INIT;
static expert_field ei_mptcpscan_pre_rfc_add_addr_hmac = EI_INIT;
static expert_field ei_mptcpscan_leaked_address = EI_INIT;
static expert_field ei_mptcpscan_bad_dss_checksum = EI_INIT;
static expert_field ei_mptcpscan_mp_fail = EI_INIT;
static expert_field ei_mptcpscan_fastclose = EI_INIT;
static expert_field ei_mptcpscan_tcprst = EI_INIT;
static expert_field ei_mptcpscan_quote_mp_capable = EI_INIT;

static pref_bool pref_check_handshake = TRUE;
static pref_bool pref_check_keys = TRUE;
static pref_bool pref_check_join = TRUE;
static pref_bool pref_check_add_addr = TRUE;
static pref_bool pref_check_dss = TRUE;
static pref_bool pref_check_alerts = TRUE;
static pref_bool pref_check_quote = TRUE;

static dissector_handle_t mptcpscan_handle;

/* TCP as IP hands it segments; ours sits in front of it in "ip.proto". */
static dissector_handle_t tcp_handle;
static dissector_handle_t segment_handle;
static protocol_t *mptcpscan_protocol;
/* That handle's protocol: a helper of TCP's ("in name only"), so that the
 * handle is on and off with TCP and adds no layer of its own. */
static int proto_mptcpscan_tcp = -1;

/* What the tracker found for one MPTCP option, and the few decoded values
 * the tree shows (decoded in the first pass, where the bytes are at hand). */
typedef struct {
    mptcpscan_option_finding f;
    guint64 fail_dsn;
    guint32 join_token;
    guint8 tcprst_reason;
    guint8 tcprst_flags;
} option_result;

/* What an ICMP error quoting one of the capture's MP_CAPABLE SYNs says. */
typedef struct {
    guint32 probe_frame;
    const char *tokens;
    const char *mp_capable;
    guint8 hop_kind;
} quote_result;

/* What the first pass found in one frame: later passes show it unchanged, so
 * `tshark -2` and a click in Wireshark agree with pass one. */
typedef struct {
    quote_result *quote;
    gboolean has_handshake;
    guint32 syn_frame;
    mptcpscan_classification cls;
    const char *optionstext;
    gboolean has_continuation;
    guint32 mapping_frame;
    guint8 continuation_check;
    guint8 continuation_why;
    gboolean has_continuation_computed;
    guint16 continuation_computed;
    guint n_options;
    option_result *options;
} frame_result;

/* A SYN with MP_CAPABLE as sent, from its IP header, found again by what a
 * router must quote (ports and sequence number; addresses may be NATed). */
typedef struct {
    guint16 sport;
    guint16 dport;
    guint32 seq;
} probe_key;

typedef struct {
    guint32 frame;
    guint len;
    guint8 *bytes;
} sent_probe;

/* The capture's MPTCP connections, fed in capture order (first pass). */
static mptcpscan_tracker *tracker;
static wmem_map_t *sent_probes;
/* What a frame without any result shares (read only). */
static frame_result no_result;

static guint
probe_key_hash(gconstpointer v)
{
    const probe_key *k = (const probe_key *)v;

    return k->seq ^ ((guint)k->sport << 16 | k->dport);
}

static gboolean
probe_key_equal(gconstpointer a, gconstpointer b)
{
    const probe_key *ka = (const probe_key *)a;
    const probe_key *kb = (const probe_key *)b;

    return ka->sport == kb->sport && ka->dport == kb->dport && ka->seq == kb->seq;
}


/* A TCP header as the IP layer handed it to TCP in this frame (see
 * dissect_mptcpscan_segment): the tvb starts at the TCP header and its
 * reported length ends where the IP payload ends, so a link layer's padding
 * is not payload. */
typedef struct {
    tvbuff_t *tvb;
    address src;
    address dst;
    guint32 ttl;
    gboolean v6;
} seen_segment;

/* The TCP headers of one frame (packet scope). Only a frame with exactly one
 * outside any ICMP quote is fed to the tracker; a quoted one is compared with
 * the SYN it quotes. */
typedef struct {
    guint n_segments;
    gboolean quoted;
    seen_segment last;
} seen_frame;

/* Where the IP header in front of a TCP header starts in the frame's data, or
 * -1. The IP dissector hands TCP a tvb that starts after its header (and its
 * extension headers), so the header is found by walking back to the one that
 * carries the addresses IP decoded. Needed only for the SYNs an ICMP quote may
 * quote and for the quotes: the tracker gets the TCP bytes alone. */
static gint
ip_header_start(const seen_segment *s, tvbuff_t **ds_out)
{
    tvbuff_t *ds = tvb_get_ds_tvb(s->tvb);
    gint tcp_off = tvb_raw_offset(s->tvb);
    gint start, step;

    if (ds == NULL || tcp_off < 0 || tvb_captured_length(s->tvb) == 0 ||
            tvb_captured_length_remaining(ds, tcp_off) <= 0 ||
            tvb_get_ptr(s->tvb, 0, 1) != tvb_get_ptr(ds, tcp_off, 1))
        return -1;
    *ds_out = ds;
    if (!s->v6 && s->src.len == 4 && s->dst.len == 4) {
        for (step = 5; step <= 15; step++) {
            start = tcp_off - step * 4;
            if (start < 0)
                break;
            if (tvb_get_uint8(ds, start) == (0x40 | step) &&
                    tvb_memeql(ds, start + 12, (const guint8 *)s->src.data, 4) == 0 &&
                    tvb_memeql(ds, start + 16, (const guint8 *)s->dst.data, 4) == 0)
                return start;
        }
    } else if (s->v6 && s->src.len == 16 && s->dst.len == 16) {
        /* Extension headers are multiples of 8 bytes. */
        for (step = 0; step <= 64; step++) {
            start = tcp_off - 40 - step * 8;
            if (start < 0)
                break;
            if ((tvb_get_uint8(ds, start) >> 4) == 6 &&
                    tvb_memeql(ds, start + 8, (const guint8 *)s->src.data, 16) == 0 &&
                    tvb_memeql(ds, start + 24, (const guint8 *)s->dst.data, 16) == 0)
                return start;
        }
    }
    return -1;
}

static gboolean
address_fill(mptcpscan_address *out, const address *in)
{
    memset(out, 0, sizeof(*out));
    if (in->type == AT_IPv4 && in->len == 4) {
        out->family = MPTCPSCAN_ADDRESS_FAMILY_IPV4;
        memcpy(out->bytes, in->data, 4);
        return TRUE;
    }
    if (in->type == AT_IPv6 && in->len == 16) {
        out->family = MPTCPSCAN_ADDRESS_FAMILY_IPV6;
        memcpy(out->bytes, in->data, 16);
        return TRUE;
    }
    return FALSE;
}

static void
remember_probe(packet_info *pinfo, const seen_segment *s)
{
    probe_key *key;
    sent_probe *probe;
    tvbuff_t *ds = NULL;
    gint start, len;

    start = ip_header_start(s, &ds);
    if (start < 0)
        return;
    len = tvb_captured_length_remaining(ds, start);
    key = wmem_new(wmem_file_scope(), probe_key);
    key->sport = tvb_get_ntohs(s->tvb, 0);
    key->dport = tvb_get_ntohs(s->tvb, 2);
    key->seq = tvb_get_ntohl(s->tvb, 4);
    probe = wmem_new(wmem_file_scope(), sent_probe);
    probe->frame = pinfo->num;
    probe->len = (guint)len;
    probe->bytes = (guint8 *)tvb_memdup(wmem_file_scope(), ds, start, len);
    wmem_map_insert(sent_probes, key, probe);
}

/* Compares an ICMP error's quote with the SYN it quotes, if the capture has
 * that SYN. */
static quote_result *
analyse_quote(const seen_segment *s)
{
    mptcpscan_quote_change changes[MPTCPSCAN_QUOTE_MAX_CHANGES];
    mptcpscan_quote_diff diff;
    quote_result *q;
    sent_probe *probe;
    probe_key key;
    const guint8 *quote;
    char text[1024], hop[64];
    size_t written;
    tvbuff_t *ds = NULL;
    gint start, len;

    if (tvb_captured_length(s->tvb) < 8)
        return NULL;
    key.sport = tvb_get_ntohs(s->tvb, 0);
    key.dport = tvb_get_ntohs(s->tvb, 2);
    key.seq = tvb_get_ntohl(s->tvb, 4);
    probe = (sent_probe *)wmem_map_lookup(sent_probes, &key);
    if (probe == NULL)
        return NULL;
    start = ip_header_start(s, &ds);
    if (start < 0)
        return NULL;
    len = tvb_captured_length_remaining(ds, start);
    quote = tvb_get_ptr(ds, start, len);
    if (mptcpscan_quote_compare(probe->bytes, probe->len, quote, (size_t)len, &diff,
                changes, array_length(changes)) != MPTCPSCAN_RESULT_OK ||
            mptcpscan_quote_tokens(probe->bytes, probe->len, quote, (size_t)len,
                text, sizeof(text), &written) != MPTCPSCAN_RESULT_OK ||
            mptcpscan_mptcp_hop_format(&diff.mptcp, hop, sizeof(hop), &written) !=
            MPTCPSCAN_RESULT_OK)
        return NULL;
    q = wmem_new0(wmem_file_scope(), quote_result);
    q->probe_frame = probe->frame;
    q->tokens = wmem_strdup(wmem_file_scope(), text);
    q->mp_capable = wmem_strdup(wmem_file_scope(), hop);
    q->hop_kind = diff.mptcp.kind;
    return q;
}

/* Keeps what the tree shows of an option beyond the tracker's findings. */
static void
option_decode(option_result *r, tvbuff_t *tcp)
{
    mptcpscan_mptcp_option opt;
    guint8 bytes[MPTCPSCAN_MAX_OPTIONS_LEN];
    const mptcpscan_option_finding *f = &r->f;

    if (f->error != MPTCPSCAN_RESULT_OK || !f->has_subtype ||
            (f->subtype != MPTCPSCAN_MPTCP_SUBTYPE_MP_FAIL &&
             f->subtype != MPTCPSCAN_MPTCP_SUBTYPE_MP_TCPRST &&
             f->subtype != MPTCPSCAN_MPTCP_SUBTYPE_MP_JOIN) ||
            f->len > sizeof(bytes))
        return;
    tvb_memcpy(tcp, bytes, TCP_HEADER_LEN + f->offset, f->len);
    if (mptcpscan_mptcp_parse(bytes, f->len, f->version, &opt) != MPTCPSCAN_RESULT_OK)
        return;
    if (opt.subtype == MPTCPSCAN_MPTCP_SUBTYPE_MP_FAIL) {
        r->fail_dsn = opt.body.mp_fail.dsn;
    } else if (opt.subtype == MPTCPSCAN_MPTCP_SUBTYPE_MP_TCPRST) {
        r->tcprst_reason = opt.body.mp_tcprst.reason;
        r->tcprst_flags = opt.body.mp_tcprst.flags;
    } else if (opt.body.mp_join.stage == MPTCPSCAN_JOIN_STAGE_SYN) {
        r->join_token = opt.body.mp_join.token;
    }
}

/* The answer's TCP options as the core writes them for a scan reply. */
static const char *
options_text(tvbuff_t *tcp, guint hlen)
{
    static const guint8 no_options[1];
    const guint8 *area = hlen > TCP_HEADER_LEN ?
        tvb_get_ptr(tcp, TCP_HEADER_LEN, hlen - TCP_HEADER_LEN) : no_options;
    char text[MPTCPSCAN_OPTIONS_TEXT_LEN];
    size_t written;

    if (mptcpscan_options_text(area, hlen - TCP_HEADER_LEN, text, sizeof(text), &written) !=
            MPTCPSCAN_RESULT_OK)
        return NULL;
    return wmem_strdup(wmem_file_scope(), text);
}

/* Feeds the frame's TCP segment to the tracker and keeps what it found. */
static frame_result *
analyse_segment(packet_info *pinfo, const seen_segment *s)
{
    mptcpscan_probe_info probe;
    mptcpscan_segment seg;
    mptcpscan_findings found;
    frame_result *res;
    guint hlen, captured, reported, i;
    guint8 flags;

    captured = tvb_captured_length(s->tvb);
    reported = tvb_reported_length(s->tvb);
    if (tracker == NULL || captured < TCP_HEADER_LEN ||
            !address_fill(&seg.src, &s->src) || !address_fill(&seg.dst, &s->dst))
        return &no_result;
    hlen = (tvb_get_uint8(s->tvb, 12) >> 4) * 4;
    flags = tvb_get_uint8(s->tvb, 13);
    if (hlen < TCP_HEADER_LEN || hlen > captured)
        return &no_result;
    /* A SYN with MP_CAPABLE is what an ICMP quote may quote back. */
    if ((flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN && pref_check_quote &&
            hlen > TCP_HEADER_LEN &&
            mptcpscan_probe_describe(tvb_get_ptr(s->tvb, TCP_HEADER_LEN, hlen - TCP_HEADER_LEN),
                hlen - TCP_HEADER_LEN, &probe) == MPTCPSCAN_RESULT_OK)
        remember_probe(pinfo, s);

    seg.frame = pinfo->num;
    seg.time_ns = (gint64)pinfo->abs_ts.secs * 1000000000 + pinfo->abs_ts.nsecs;
    seg.tcp = tvb_get_ptr(s->tvb, 0, captured);
    seg.tcp_len = captured;
    seg.payload_len = reported - hlen;
    seg.ttl = s->ttl;
    if (mptcpscan_tracker_feed(tracker, &seg, &found) != MPTCPSCAN_RESULT_OK ||
            !found.tracked)
        return &no_result;
    if (found.n_options == 0 && !found.has_handshake && !found.has_continuation)
        return &no_result;

    res = wmem_new0(wmem_file_scope(), frame_result);
    if (found.has_handshake && found.handshake_error == 0) {
        res->has_handshake = TRUE;
        res->syn_frame = (guint32)found.syn_frame;
        res->cls = found.classification;
        res->optionstext = options_text(s->tvb, hlen);
    }
    if (found.has_continuation) {
        res->has_continuation = TRUE;
        res->mapping_frame = (guint32)found.mapping_frame;
        res->continuation_check = found.continuation_checksum;
        res->continuation_why = found.continuation_why;
        res->has_continuation_computed = found.has_continuation_computed;
        res->continuation_computed = found.continuation_computed;
    }
    res->n_options = found.n_options;
    res->options = wmem_alloc0_array(wmem_file_scope(), option_result, res->n_options);
    for (i = 0; i < res->n_options; i++) {
        res->options[i].f = found.options[i];
        option_decode(&res->options[i], s->tvb);
    }
    return res;
}

/* A check's outcome as a string field, with why when it is unverifiable. */
static proto_item *
show_check(proto_tree *tree, int hf, tvbuff_t *tvb, gint start, gint len, guint8 check,
        guint8 why)
{
    const char *name, *reason;
    proto_item *ti;

    if (mptcpscan_check_name(check, &name) != MPTCPSCAN_RESULT_OK)
        return NULL;
    ti = proto_tree_add_string(tree, hf, tvb, start, len, name);
    if (check == MPTCPSCAN_CHECK_UNVERIFIABLE &&
            mptcpscan_unverifiable_name(why, &reason) == MPTCPSCAN_RESULT_OK)
        proto_tree_add_string(proto_item_add_subtree(ti, ett_mptcpscan_option),
                hf_mptcpscan_unverifiable, tvb, start, len, reason);
    return ti;
}

static void
show_handshake(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, const frame_result *res)
{
    const mptcpscan_classification *cls = &res->cls;
    const char *name;
    char signals[320];
    size_t written;
    proto_item *ti;

    proto_tree_add_uint(tree, hf_mptcpscan_syn_frame, tvb, 0, 0, res->syn_frame);
    if (mptcpscan_verdict_name(cls->verdict, &name) != MPTCPSCAN_RESULT_OK)
        name = "unknown";
    ti = proto_tree_add_string(tree, hf_mptcpscan_verdict, tvb, 0, 0, name);
    if (cls->verdict == MPTCPSCAN_VERDICT_MIRRORED)
        expert_add_info(pinfo, ti, &ei_mptcpscan_mirrored);
    else if (cls->verdict == MPTCPSCAN_VERDICT_SUSPICIOUS)
        expert_add_info(pinfo, ti, &ei_mptcpscan_suspicious);
    proto_tree_add_uint(tree, hf_mptcpscan_signal_bits, tvb, 0, 0, cls->signals);
    if (res->optionstext != NULL)
        proto_tree_add_string(tree, hf_mptcpscan_optionstext, tvb, 0, 0, res->optionstext);
    if (mptcpscan_signals_format(cls->signals, signals, sizeof(signals), &written) ==
            MPTCPSCAN_RESULT_OK) {
        gchar **each, **s;

        proto_tree_add_string(tree, hf_mptcpscan_signals, tvb, 0, 0, signals);
        each = g_strsplit(signals, ",", -1);
        for (s = each; *s != NULL; s++) {
            if (**s != '\0')
                proto_tree_add_string(tree, hf_mptcpscan_signal, tvb, 0, 0, *s);
        }
        g_strfreev(each);
    }
    if (cls->has_key)
        proto_tree_add_uint(tree, hf_mptcpscan_key_weight, tvb, 0, 0,
                (guint32)__builtin_popcountll(cls->key));
}

/*
 * Whether an option carries a finding of ours: a decode error, a key, a check, an MP_JOIN token
 * lookup, an address scope, MP_FAIL or MP_TCPRST details. One without (a DSS option without a
 * checksum, a keyless MP_CAPABLE) is shown by Wireshark's own MPTCP dissector already; shown
 * here too, it would make `-Y mptcpscan` match frames whose mptcpscan fields are all empty.
 */
static gboolean
option_has_findings(const option_result *r)
{
    const mptcpscan_option_finding *f = &r->f;

    if (f->error != MPTCPSCAN_RESULT_OK || f->n_keys > 0 ||
            f->dss_checksum != MPTCPSCAN_CHECK_NONE)
        return TRUE;
    if (!f->has_subtype)
        return FALSE;
    switch (f->subtype) {
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_JOIN:
        return f->join_token != MPTCPSCAN_JOIN_TOKEN_NONE || f->hmac != MPTCPSCAN_CHECK_NONE;
    case MPTCPSCAN_MPTCP_SUBTYPE_ADD_ADDR:
        return f->hmac != MPTCPSCAN_CHECK_NONE || f->has_scope;
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_FASTCLOSE:
        return f->fastclose_key != MPTCPSCAN_CHECK_NONE;
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_FAIL:
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_TCPRST:
        return TRUE;
    default:
        return FALSE;
    }
}

static void
show_option(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, gint start, gint len,
        const option_result *r)
{
    const mptcpscan_option_finding *f = &r->f;
    proto_tree *st;
    proto_item *ti;
    const char *name;
    bool leak;
    guint k;

    ti = proto_tree_add_item(tree, hf_mptcpscan_option, tvb, start, len, ENC_NA);
    st = proto_item_add_subtree(ti, ett_mptcpscan_option);
    if (f->error != MPTCPSCAN_RESULT_OK) {
        ti = proto_tree_add_string(st, hf_mptcpscan_error, tvb, start, len,
                mptcpscan_strerror(f->error));
        expert_add_info_format(pinfo, ti, &ei_mptcpscan_malformed_option,
                "MPTCP option does not decode: %s", mptcpscan_strerror(f->error));
        return;
    }
    if (f->has_subtype &&
            mptcpscan_mptcp_subtype_name(f->subtype, &name) == MPTCPSCAN_RESULT_OK) {
        proto_tree_add_string(st, hf_mptcpscan_subtype, tvb, start, len, name);
        proto_item_append_text(ti, " (%s)", name);
    }
    for (k = 0; pref_check_keys && k < f->n_keys; k++) {
        proto_tree_add_uint64(st, hf_mptcpscan_key, tvb, start, len, f->keys[k]);
        proto_tree_add_uint(st, hf_mptcpscan_token, tvb, start, len, f->tokens[k]);
        proto_tree_add_uint64(st, hf_mptcpscan_idsn, tvb, start, len, f->idsns[k]);
    }

    switch (f->subtype) {
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_JOIN:
        if (!pref_check_join)
            break;
        if (f->join_token != MPTCPSCAN_JOIN_TOKEN_NONE) {
            gboolean known = f->join_token == MPTCPSCAN_JOIN_TOKEN_KNOWN;

            ti = proto_tree_add_boolean(st, hf_mptcpscan_join_token_known, tvb, start, len,
                    known);
            if (known)
                proto_tree_add_uint(st, hf_mptcpscan_join_connection, tvb, start, len,
                        (guint32)f->join_first_frame);
            else
                expert_add_info_format(pinfo, ti, &ei_mptcpscan_unknown_token,
                        "MP_JOIN token 0x%08x belongs to no connection in the capture",
                        r->join_token);
        }
        ti = show_check(st, hf_mptcpscan_join_hmac, tvb, start, len, f->hmac, f->hmac_why);
        if (f->hmac == MPTCPSCAN_CHECK_INVALID)
            expert_add_info(pinfo, ti, &ei_mptcpscan_bad_join_hmac);
        break;
    case MPTCPSCAN_MPTCP_SUBTYPE_ADD_ADDR:
        if (!pref_check_add_addr)
            break;
        ti = show_check(st, hf_mptcpscan_add_addr_hmac, tvb, start, len, f->hmac, f->hmac_why);
        if (f->hmac == MPTCPSCAN_CHECK_INVALID)
            expert_add_info(pinfo, ti, &ei_mptcpscan_bad_add_addr_hmac);
        else if (f->hmac == MPTCPSCAN_CHECK_PRE_RFC_TRUNCATION)
            expert_add_info(pinfo, ti, &ei_mptcpscan_pre_rfc_add_addr_hmac);
        if (f->has_scope &&
                mptcpscan_scope_describe(f->scope, &name, &leak) == MPTCPSCAN_RESULT_OK) {
            proto_tree_add_string(st, hf_mptcpscan_add_addr_scope, tvb, start, len, name);
            ti = proto_tree_add_boolean(st, hf_mptcpscan_add_addr_leak, tvb, start, len, leak);
            if (leak)
                expert_add_info_format(pinfo, ti, &ei_mptcpscan_leaked_address,
                        "ADD_ADDR advertises a %s address", name);
        }
        break;
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_FAIL:
        ti = proto_tree_add_uint64(st, hf_mptcpscan_fail_dsn, tvb, start, len, r->fail_dsn);
        if (pref_check_alerts)
            expert_add_info_format(pinfo, ti, &ei_mptcpscan_mp_fail,
                    "MP_FAIL: fallback to TCP after a bad mapping at DSN %" PRIu64,
                    r->fail_dsn);
        break;
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_FASTCLOSE:
        if (!pref_check_alerts)
            break;
        ti = show_check(st, hf_mptcpscan_fastclose_key, tvb, start, len, f->fastclose_key,
                f->fastclose_why);
        if (f->fastclose_key != MPTCPSCAN_CHECK_NONE)
            expert_add_info(pinfo, ti, &ei_mptcpscan_fastclose);
        break;
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_TCPRST:
        if (mptcpscan_tcprst_reason_name(r->tcprst_reason, &name) != MPTCPSCAN_RESULT_OK)
            name = "unknown";
        ti = proto_tree_add_string(st, hf_mptcpscan_tcprst_reason, tvb, start, len, name);
        if (pref_check_alerts)
            expert_add_info_format(pinfo, ti, &ei_mptcpscan_tcprst,
                    "MP_TCPRST reason: %s%s", name,
                    r->tcprst_flags & MPTCPSCAN_TCPRST_FLAG_TRANSIENT ? " (transient)" : "");
        break;
    default:
        break;
    }

    if (pref_check_dss) {
        ti = show_check(st, hf_mptcpscan_dss_checksum, tvb, start, len, f->dss_checksum,
                f->dss_why);
        if (f->dss_checksum == MPTCPSCAN_CHECK_INVALID)
            expert_add_info(pinfo, ti, &ei_mptcpscan_bad_dss_checksum);
        if (ti != NULL && f->has_dss_computed)
            proto_tree_add_uint(st, hf_mptcpscan_dss_checksum_computed, tvb, start, len,
                    f->dss_computed);
    }
}

static void
show_quote(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, const quote_result *q)
{
    proto_item *ti;
    gchar **each, **s;

    proto_tree_add_uint(tree, hf_mptcpscan_quote_probe_frame, tvb, 0, 0, q->probe_frame);
    proto_tree_add_string(tree, hf_mptcpscan_quote_changes, tvb, 0, 0, q->tokens);
    each = g_strsplit(q->tokens, " ", -1);
    for (s = each; *s != NULL; s++) {
        if (**s != '\0')
            proto_tree_add_string(tree, hf_mptcpscan_quote_change, tvb, 0, 0, *s);
    }
    g_strfreev(each);
    ti = proto_tree_add_string(tree, hf_mptcpscan_quote_mp_capable, tvb, 0, 0, q->mp_capable);
    if (q->hop_kind != MPTCPSCAN_MPTCP_HOP_KIND_INTACT &&
            q->hop_kind != MPTCPSCAN_MPTCP_HOP_KIND_NO_INFORMATION)
        expert_add_info_format(pinfo, ti, &ei_mptcpscan_quote_mp_capable,
                "The path changed the probe's MP_CAPABLE before this hop: %s", q->mp_capable);
}

static int
dissect_mptcpscan(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const seen_frame *seen;
    tvbuff_t *tcp;
    frame_result *res;
    proto_item *ti;
    proto_tree *st;
    guint i;

    seen = (const seen_frame *)p_get_proto_data(pinfo->pool, pinfo, proto_mptcpscan, 0);
    res = (frame_result *)p_get_proto_data(wmem_file_scope(), pinfo, proto_mptcpscan, 0);
    if (res == NULL) {
        /* The first visit of a frame analyses it, in capture order (tshark
         * -2 may not dissect on its first pass: then the second pass is the
         * first visit). Frames where it found nothing keep no data. */
        if (pinfo->fd->visited || seen == NULL)
            return 0;
        if (seen->quoted) {
            /* A TCP header quoted in an ICMP error belongs to no
             * conversation: it is compared with the SYN it quotes. */
            quote_result *quote = pref_check_quote ? analyse_quote(&seen->last) : NULL;

            if (quote == NULL)
                return 0;
            res = wmem_new0(wmem_file_scope(), frame_result);
            res->quote = quote;
        } else if (seen->n_segments == 1) {
            res = analyse_segment(pinfo, &seen->last);
            if (res == &no_result)
                return 0;
        } else {
            return 0;
        }
        p_add_proto_data(wmem_file_scope(), pinfo, proto_mptcpscan, 0, res);
    }
    /* Without a tree (tshark -z expert), the items are not made but the
     * expert infos still are. */
    for (i = 0; i < res->n_options && !option_has_findings(&res->options[i]); i++)
        ;
    if (!res->has_handshake && i == res->n_options && res->quote == NULL &&
            !res->has_continuation)
        return 0;

    ti = proto_tree_add_item(tree, proto_mptcpscan, tvb, 0, 0, ENC_NA);
    proto_item_set_generated(ti);
    st = proto_item_add_subtree(ti, ett_mptcpscan);
    if (res->has_handshake && pref_check_handshake)
        show_handshake(st, pinfo, tvb, res);
    if (res->quote != NULL) {
        show_quote(st, pinfo, tvb, res->quote);
        return tvb_captured_length(tvb);
    }
    if (res->has_continuation && pref_check_dss) {
        proto_tree_add_uint(st, hf_mptcpscan_dss_mapping_frame, tvb, 0, 0, res->mapping_frame);
        ti = show_check(st, hf_mptcpscan_dss_checksum, tvb, 0, 0, res->continuation_check,
                res->continuation_why);
        if (res->continuation_check == MPTCPSCAN_CHECK_INVALID)
            expert_add_info(pinfo, ti, &ei_mptcpscan_bad_dss_checksum);
        if (res->has_continuation_computed)
            proto_tree_add_uint(st, hf_mptcpscan_dss_checksum_computed, tvb, 0, 0,
                    res->continuation_computed);
    }
    /* Each option is shown over its bytes in the TCP header. */
    tcp = seen != NULL && seen->n_segments == 1 ? seen->last.tvb : NULL;
    for (i = 0; i < res->n_options; i++) {
        const option_result *r = &res->options[i];

        if (!option_has_findings(r))
            continue;
        if (tcp != NULL && tvb_captured_length_remaining(tcp, TCP_HEADER_LEN + r->f.offset) >=
                r->f.len)
            show_option(st, pinfo, tcp, TCP_HEADER_LEN + r->f.offset, r->f.len, r);
        else
            show_option(st, pinfo, tvb, 0, 0, r);
    }
    return tvb_captured_length(tvb);
}

/*
 * Sits in front of TCP in the "ip.proto" table and notes each TCP header IP
 * hands over, with the addresses and TTL from IP's header, then lets TCP
 * dissect it as before (this handle has no protocol of its own, so the
 * frame's layers are unchanged). The postdissector then needs no protocol
 * tree: asking tshark for fields (set_postdissector_wanted_hfids) would make
 * it build one for every frame, which cost more than all of the checks.
 */
static int
dissect_mptcpscan_segment(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    seen_frame *seen;
    ws_ip4 *ip4;
    ws_ip6 *ip6;

    if (proto_is_protocol_enabled(mptcpscan_protocol)) {
        seen = (seen_frame *)p_get_proto_data(pinfo->pool, pinfo, proto_mptcpscan, 0);
        if (seen == NULL) {
            seen = wmem_new0(pinfo->pool, seen_frame);
            p_add_proto_data(pinfo->pool, pinfo, proto_mptcpscan, 0, seen);
        }
        if (pinfo->flags.in_error_pkt)
            seen->quoted = TRUE;
        else
            seen->n_segments++;
        seen->last.tvb = tvb;
        seen->last.ttl = MPTCPSCAN_TTL_UNKNOWN;
        seen->last.v6 = FALSE;
        if ((ip4 = WS_IP4_PTR(data)) != NULL) {
            copy_address_shallow(&seen->last.src, &ip4->ip_src);
            copy_address_shallow(&seen->last.dst, &ip4->ip_dst);
            seen->last.ttl = ip4->ip_ttl;
        } else if ((ip6 = WS_IP6_PTR(data)) != NULL) {
            copy_address_shallow(&seen->last.src, &ip6->ip6_src);
            copy_address_shallow(&seen->last.dst, &ip6->ip6_dst);
            seen->last.ttl = ip6->ip6_hop;
            seen->last.v6 = TRUE;
        } else {
            copy_address_shallow(&seen->last.src, &pinfo->src);
            copy_address_shallow(&seen->last.dst, &pinfo->dst);
            seen->last.v6 = pinfo->src.type == AT_IPv6;
        }
    }
    return call_dissector_only(tcp_handle, tvb, pinfo, tree, data);
}

/* One tracker per capture file. */
static void
mptcpscan_init(void)
{
    if (tracker == NULL && mptcpscan_tracker_new(&tracker) != MPTCPSCAN_RESULT_OK)
        tracker = NULL;
}

/* The tracker is not wmem memory: released when the capture closes. */
static void
mptcpscan_cleanup(void)
{
    mptcpscan_tracker_free(tracker);
    tracker = NULL;
}

void
proto_register_mptcpscan(void)
{
    module_t *module;
    expert_module_t *expert;

    static hf_register_info hf[] = {
        { &hf_mptcpscan_verdict,
          { "Verdict", "mptcpscan.verdict", FT_STRING, BASE_NONE, NULL, 0x0,
            "What this SYN-ACK says about the host, given the SYN it answers (mptcp-v0, mptcp-v1, mirrored, suspicious, no-mp-capable, ...)", HFILL }},
        { &hf_mptcpscan_signals,
          { "Signals", "mptcpscan.signals", FT_STRING, BASE_NONE, NULL, 0x0,
            "Every mirror signal that fired, comma separated", HFILL }},
        { &hf_mptcpscan_signal,
          { "Signal", "mptcpscan.signal", FT_STRING, BASE_NONE, NULL, 0x0,
            "One mirror signal that fired on this SYN-ACK", HFILL }},
        { &hf_mptcpscan_signal_bits,
          { "Signal bits", "mptcpscan.signal_bits", FT_UINT32, BASE_HEX, NULL, 0x0,
            "The signals as the MPTCPSCAN_SIGNAL_* bit set", HFILL }},
        { &hf_mptcpscan_syn_frame,
          { "SYN frame", "mptcpscan.syn_frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "The SYN this SYN-ACK was classified against", HFILL }},
        { &hf_mptcpscan_optionstext,
          { "Options text", "mptcpscan.optionstext", FT_STRING, BASE_NONE, NULL, 0x0,
            "This answer's TCP options as mptcpscan scan prints them (MSS:1460 SACKPERM TS:a/b ... MPCAPABLE:v1:flags=01:key=...)", HFILL }},
        { &hf_mptcpscan_key_weight,
          { "Key Hamming weight", "mptcpscan.key_weight", FT_UINT8, BASE_DEC, NULL, 0x0,
            "Set bits in the SYN-ACK's key (32 expected for a random key)", HFILL }},
        { &hf_mptcpscan_option,
          { "MPTCP option", "mptcpscan.option", FT_BYTES, BASE_NONE, NULL, 0x0,
            "One MPTCP option as libmptcpscan decoded it", HFILL }},
        { &hf_mptcpscan_subtype,
          { "Subtype", "mptcpscan.subtype", FT_STRING, BASE_NONE, NULL, 0x0,
            "The option's subtype name", HFILL }},
        { &hf_mptcpscan_error,
          { "Decode error", "mptcpscan.error", FT_STRING, BASE_NONE, NULL, 0x0,
            "Why libmptcpscan refused the option", HFILL }},
        { &hf_mptcpscan_key,
          { "Key", "mptcpscan.key", FT_UINT64, BASE_HEX, NULL, 0x0,
            "A key announced in MP_CAPABLE (sender's first, then receiver's)", HFILL }},
        { &hf_mptcpscan_token,
          { "Token", "mptcpscan.token", FT_UINT32, BASE_HEX, NULL, 0x0,
            "Token derived from the key (most significant 32 bits of its hash)", HFILL }},
        { &hf_mptcpscan_idsn,
          { "IDSN", "mptcpscan.idsn", FT_UINT64, BASE_DEC, NULL, 0x0,
            "Initial data sequence number derived from the key (least significant 64 bits of its hash)", HFILL }},
        { &hf_mptcpscan_join_token_known,
          { "Token known", "mptcpscan.join.token_known", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Whether the MP_JOIN SYN's token belongs to a connection seen in the capture", HFILL }},
        { &hf_mptcpscan_join_connection,
          { "Connection", "mptcpscan.join.connection", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "First frame of the connection the MP_JOIN token belongs to", HFILL }},
        { &hf_mptcpscan_join_hmac,
          { "MP_JOIN HMAC", "mptcpscan.join.hmac", FT_STRING, BASE_NONE, NULL, 0x0,
            "valid, invalid, or unverifiable when the capture lacks a key or nonce", HFILL }},
        { &hf_mptcpscan_add_addr_hmac,
          { "ADD_ADDR HMAC", "mptcpscan.add_addr.hmac", FT_STRING, BASE_NONE, NULL, 0x0,
            "valid, invalid, pre-rfc-truncation (leftmost 64 bits, Linux 5.6 to 5.8), or unverifiable", HFILL }},
        { &hf_mptcpscan_add_addr_scope,
          { "Address scope", "mptcpscan.add_addr.scope", FT_STRING, BASE_NONE, NULL, 0x0,
            "Scope of the advertised address (public, private, link-local, documentation, ...)", HFILL }},
        { &hf_mptcpscan_add_addr_leak,
          { "Address leaks", "mptcpscan.add_addr.leak", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The advertised address is not usable from the Internet: it only describes the sender's network", HFILL }},
        { &hf_mptcpscan_dss_checksum,
          { "DSS checksum", "mptcpscan.dss.checksum", FT_STRING, BASE_NONE, NULL, 0x0,
            "valid, invalid, spans-segments (given with the segment that completes the mapping), or unverifiable (IDSN unknown, a gap in the mapping, payload not captured)", HFILL }},
        { &hf_mptcpscan_dss_checksum_computed,
          { "Computed DSS checksum", "mptcpscan.dss.checksum_computed", FT_UINT16, BASE_HEX, NULL, 0x0,
            "The checksum the mapping and payload should carry", HFILL }},
        { &hf_mptcpscan_dss_mapping_frame,
          { "Mapping frame", "mptcpscan.dss.mapping_frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "The segment whose DSS mapping this segment's payload continues (the checksum's verdict comes with the segment that completes it)", HFILL }},
        { &hf_mptcpscan_unverifiable,
          { "Why unverifiable", "mptcpscan.unverifiable", FT_STRING, BASE_NONE, NULL, 0x0,
            "What the capture lacks for the check (keys unknown, nonces unknown, DSN unknown, payload not captured, ...)", HFILL }},
        { &hf_mptcpscan_fastclose_key,
          { "MP_FASTCLOSE key", "mptcpscan.fastclose.key", FT_STRING, BASE_NONE, NULL, 0x0,
            "valid when it is the receiver's key from the handshake, invalid if not, unverifiable without a handshake", HFILL }},
        { &hf_mptcpscan_fail_dsn,
          { "MP_FAIL DSN", "mptcpscan.fail.dsn", FT_UINT64, BASE_DEC, NULL, 0x0,
            "Data sequence number of the mapping that failed its checksum", HFILL }},
        { &hf_mptcpscan_quote_probe_frame,
          { "Quoted probe", "mptcpscan.quote.probe_frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "The SYN with MP_CAPABLE this ICMP error quotes", HFILL }},
        { &hf_mptcpscan_quote_changes,
          { "Path changes", "mptcpscan.quote.changes", FT_STRING, BASE_NONE, NULL, 0x0,
            "What differs between the probe and the router's quote of it, as tracebox prints it (IP::TTL, -TCPOptionMPTCPCapable, [PARTIAL], ...)", HFILL }},
        { &hf_mptcpscan_quote_change,
          { "Path change", "mptcpscan.quote.change", FT_STRING, BASE_NONE, NULL, 0x0,
            "One difference between the probe and its quote", HFILL }},
        { &hf_mptcpscan_quote_mp_capable,
          { "MP_CAPABLE at this hop", "mptcpscan.quote.mp_capable", FT_STRING, BASE_NONE, NULL, 0x0,
            "What the path did to the probe's MP_CAPABLE up to this hop (intact, removed, replaced-by-nops, key-rewritten(N bits), ..., no-information)", HFILL }},
        { &hf_mptcpscan_tcprst_reason,
          { "MP_TCPRST reason", "mptcpscan.tcprst.reason", FT_STRING, BASE_NONE, NULL, 0x0,
            "Why the subflow was reset", HFILL }},
    };

    static gint *ett[] = {
        &ett_mptcpscan,
        &ett_mptcpscan_option,
    };

    static ei_register_info ei[] = {
        { &ei_mptcpscan_mirrored,
          { "mptcpscan.expert.mirrored", PI_PROTOCOL, PI_WARN,
            "Mirrored handshake: the SYN-ACK's MP_CAPABLE copies the SYN's (a middlebox, not an MPTCP host)", EXPFILL }},
        { &ei_mptcpscan_suspicious,
          { "mptcpscan.expert.suspicious", PI_PROTOCOL, PI_NOTE,
            "Suspicious handshake: fresh key, but parts of the SYN came back", EXPFILL }},
        { &ei_mptcpscan_malformed_option,
          { "mptcpscan.expert.malformed", PI_MALFORMED, PI_ERROR,
            "MPTCP option does not decode", EXPFILL }},
        { &ei_mptcpscan_bad_join_hmac,
          { "mptcpscan.expert.bad_join_hmac", PI_SECURITY, PI_ERROR,
            "MP_JOIN HMAC is wrong", EXPFILL }},
        { &ei_mptcpscan_unknown_token,
          { "mptcpscan.expert.unknown_token", PI_SEQUENCE, PI_WARN,
            "MP_JOIN token belongs to no connection in the capture", EXPFILL }},
        { &ei_mptcpscan_bad_add_addr_hmac,
          { "mptcpscan.expert.bad_add_addr_hmac", PI_SECURITY, PI_ERROR,
            "ADD_ADDR HMAC is wrong", EXPFILL }},
        { &ei_mptcpscan_pre_rfc_add_addr_hmac,
          { "mptcpscan.expert.pre_rfc_add_addr_hmac", PI_PROTOCOL, PI_NOTE,
            "ADD_ADDR HMAC uses the pre-RFC leftmost truncation", EXPFILL }},
        { &ei_mptcpscan_leaked_address,
          { "mptcpscan.expert.leaked_address", PI_SECURITY, PI_WARN,
            "ADD_ADDR advertises a non-public address", EXPFILL }},
        { &ei_mptcpscan_bad_dss_checksum,
          { "mptcpscan.expert.bad_dss_checksum", PI_CHECKSUM, PI_ERROR,
            "DSS checksum is wrong", EXPFILL }},
        { &ei_mptcpscan_mp_fail,
          { "mptcpscan.expert.mp_fail", PI_PROTOCOL, PI_WARN,
            "MP_FAIL", EXPFILL }},
        { &ei_mptcpscan_fastclose,
          { "mptcpscan.expert.fastclose", PI_SEQUENCE, PI_NOTE,
            "MP_FASTCLOSE: the connection is aborted", EXPFILL }},
        { &ei_mptcpscan_quote_mp_capable,
          { "mptcpscan.expert.quote_mp_capable", PI_PROTOCOL, PI_WARN,
            "The path changed the probe's MP_CAPABLE", EXPFILL }},
        { &ei_mptcpscan_tcprst,
          { "mptcpscan.expert.tcprst", PI_RESPONSE_CODE, PI_NOTE,
            "MP_TCPRST", EXPFILL }},
    };

    proto_mptcpscan = proto_register_protocol("mptcpscan MPTCP checks", "mptcpscan", "mptcpscan");
    proto_register_field_array(proto_mptcpscan, hf, array_length(hf));
    if (proto_get_id_by_filter_name("tcp") > 0)
        proto_mptcpscan_tcp = proto_register_protocol_in_name_only(
                "TCP segments noted by mptcpscan", "TCP (mptcpscan)", "mptcpscan.tcp",
                proto_get_id_by_filter_name("tcp"), FT_PROTOCOL);
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto_mptcpscan);
    expert_register_field_array(expert, ei, array_length(ei));

    module = prefs_register_protocol(proto_mptcpscan, NULL);
    prefs_register_bool_preference(module, "check_handshake", "Classify SYN-ACKs",
            "Classify each SYN-ACK against its SYN: real MPTCP, mirrored, suspicious, absent",
            &pref_check_handshake);
    prefs_register_bool_preference(module, "check_keys", "Show keys",
            "Show each MP_CAPABLE key with its token and IDSN",
            &pref_check_keys);
    prefs_register_bool_preference(module, "check_join", "Check MP_JOIN",
            "Match MP_JOIN tokens to connections and verify their HMACs",
            &pref_check_join);
    prefs_register_bool_preference(module, "check_add_addr", "Check ADD_ADDR",
            "Verify ADD_ADDR HMACs and flag advertised non-public addresses",
            &pref_check_add_addr);
    prefs_register_bool_preference(module, "check_dss", "Check DSS checksums",
            "Verify the DSS checksums a connection carries (when both hosts negotiated them)",
            &pref_check_dss);
    prefs_register_bool_preference(module, "check_alerts", "Report MP_FAIL, MP_FASTCLOSE, MP_TCPRST",
            "Expert infos for connection failures and resets",
            &pref_check_alerts);
    prefs_register_bool_preference(module, "check_quote", "Compare ICMP quotes",
            "Compare each ICMP time-exceeded quote with the MP_CAPABLE SYN it quotes (tracebox)",
            &pref_check_quote);

    sent_probes = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(),
            probe_key_hash, probe_key_equal);

    register_init_routine(mptcpscan_init);
    register_cleanup_routine(mptcpscan_cleanup);
    mptcpscan_handle = register_dissector("mptcpscan", dissect_mptcpscan, proto_mptcpscan);
}

void
proto_reg_handoff_mptcpscan(void)
{
    mptcpscan_protocol = find_protocol_by_id(proto_mptcpscan);
    tcp_handle = dissector_get_uint_handle(find_dissector_table("ip.proto"), IP_PROTO_TCP);
    if (tcp_handle != NULL && proto_mptcpscan_tcp > 0) {
        segment_handle = create_dissector_handle_with_name(dissect_mptcpscan_segment,
                proto_mptcpscan_tcp, "mptcpscan_tcp");
        dissector_add_uint("ip.proto", IP_PROTO_TCP, segment_handle);
    }
    register_postdissector(mptcpscan_handle);
}

void
plugin_register(void)
{
    static proto_plugin plug;

    plug.register_protoinfo = proto_register_mptcpscan;
    plug.register_handoff = proto_reg_handoff_mptcpscan;
    proto_register_plugin(&plug);
}

#if MPTCPSCAN_WS_AT_LEAST(4, 4)
uint32_t
plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
