/* packet-mptcpscan.c
 * Postdissector adding mptcpscan's verdicts and checks to MPTCP traffic:
 * mirrored handshakes, MP_JOIN and ADD_ADDR HMACs, DSS checksums, tokens,
 * leaked addresses, and what the path did to a probe's options as ICMP
 * time-exceeded quotes show it. Every protocol decision is made by libmptcpscan (the C
 * ABI of the mptcpscan core); this file only finds the bytes Wireshark's own
 * TCP dissector located, keeps the per-capture state the checks need, and
 * presents the results.
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

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
#define MPTCPSCAN_WS_42 1
#include <wsutil/plugins.h>
#endif

#include <mptcpscan.h>

/* Boolean preferences are C99 bools from 4.4 on. */
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 4)
typedef bool pref_bool;
#else
typedef gboolean pref_bool;
#endif

/* tvb_get_guint8 was renamed in 4.2 (and deprecated under its old name). */
#ifndef MPTCPSCAN_WS_42
#define tvb_get_uint8 tvb_get_guint8
#endif

/* field_info.value became a pointer in 4.2 */
#ifdef MPTCPSCAN_WS_42
#define FI_FVALUE(fi) ((fi)->value)
#else
#define FI_FVALUE(fi) (&(fi)->value)
#endif

#define TCP_HEADER_LEN      20
#define TCP_FLAG_RST        0x04
#define TCP_FLAG_SYN        0x02
#define TCP_FLAG_ACK        0x10

#define MPTCPSCAN_PLUGIN_VERSION "0.1.0"

/* Plugin entry points: exported symbols up to 4.4 (plus plugin_describe
 * from 4.2), a module descriptor from the release that defines
 * WIRESHARK_PLUGIN_REGISTER on. */
#ifndef WIRESHARK_PLUGIN_REGISTER
WS_DLL_PUBLIC_DEF const gchar plugin_version[] = MPTCPSCAN_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);
#ifdef WS_PLUGIN_DESC_DISSECTOR
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif
#endif

void proto_register_mptcpscan(void);
void proto_reg_handoff_mptcpscan(void);

static int proto_mptcpscan = -1;

static int hf_mptcpscan_verdict = -1;
static int hf_mptcpscan_signals = -1;
static int hf_mptcpscan_signal = -1;
static int hf_mptcpscan_signal_bits = -1;
static int hf_mptcpscan_syn_frame = -1;
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

static int hf_tcp_proto = -1;
static int hf_mptcp_proto = -1;
static int hf_ip_ttl = -1;
static int hf_ipv6_hlim = -1;
static int hf_icmp_proto = -1;
static int hf_icmpv6_proto = -1;
static int hf_ip_proto = -1;
static int hf_ipv6_proto = -1;

/* The outcome of one cryptographic check, as the fields print it. */
typedef enum {
    CHECK_NONE = 0,
    CHECK_VALID,
    CHECK_INVALID,
    CHECK_PRE_RFC,
    CHECK_UNVERIFIABLE,
    CHECK_SPANS
} check_status;

static const char *const check_names[] = {
    "",
    "valid",
    "invalid",
    "pre-rfc-truncation",
    "unverifiable",
    "spans-segments"
};

/* One MPTCP connection: what both hosts announced in MP_CAPABLE. Side 0 is
 * the host that sent the initial SYN. */
typedef struct {
    guint32 first_frame;
    guint8 version;
    gboolean has_key[2];
    guint64 key[2];
    guint64 idsn[2];
    gboolean has_last_dsn[2];
    guint64 last_dsn[2];
} mptcp_connection;

/* One TCP 4-tuple. Endpoint 0 sent the SYN (or, without a SYN in the
 * capture, the first packet seen). */
typedef struct {
    address addr[2];
    guint16 port[2];
    gboolean has_isn[2];
    guint32 isn[2];
    gboolean has_probe;
    guint32 syn_seq;
    guint32 syn_frame;
    mptcpscan_probe_info probe;
    mptcp_connection *conn;
    guint8 conn_side[2];
    gboolean has_nonce[2];
    guint32 nonce[2];
    /* A checksummed DSS mapping whose payload continues in later segments. */
    mptcpscan_dss_sum *span_sum[2];
    guint32 span_frame[2];
    guint32 span_ssn[2];
    guint32 span_next_seq[2];
    guint32 span_remaining[2];
    guint16 span_checksum[2];
} subflow_state;

typedef struct {
    const address *addr[2];
    guint16 port[2];
} subflow_key;

/* What the first pass found for one MPTCP option: later passes show it
 * unchanged, so `tshark -2` and a click in Wireshark agree with pass one. */
typedef struct {
    guint32 error;
    mptcpscan_mptcp_option opt;
    guint8 n_keys;
    guint64 keys[2];
    guint32 tokens[2];
    guint64 idsns[2];
    gboolean join_token_checked;
    gboolean join_token_known;
    guint32 join_connection;
    check_status hmac;
    gboolean has_scope;
    const char *scope_name;
    gboolean leak;
    check_status dss;
    gboolean has_dss_computed;
    guint16 dss_computed;
    check_status fastclose;
} option_result;

/* What an ICMP error quoting one of the capture's MP_CAPABLE SYNs says. */
typedef struct {
    guint32 probe_frame;
    const char *tokens;
    const char *mp_capable;
    guint8 hop_kind;
} quote_result;

typedef struct {
    gboolean has_handshake;
    guint32 syn_frame;
    mptcpscan_classification cls;
    guint n_options;
    option_result *options;
    quote_result *quote;
    check_status span;
    guint32 span_frame;
    gboolean has_span_computed;
    guint16 span_computed;
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

static wmem_map_t *subflows;
static wmem_map_t *connections_by_token;
static wmem_map_t *sent_probes;
/* How many DSS checksums are being summed across segments right now. */
static guint open_spans;
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


static guint
subflow_key_hash(gconstpointer v)
{
    const subflow_key *k = (const subflow_key *)v;
    guint h;

    h = add_address_to_hash(0, k->addr[0]);
    h = add_address_to_hash(h, k->addr[1]);
    return h ^ ((guint)k->port[0] << 16 | k->port[1]);
}

static gboolean
subflow_key_equal(gconstpointer a, gconstpointer b)
{
    const subflow_key *ka = (const subflow_key *)a;
    const subflow_key *kb = (const subflow_key *)b;

    return ka->port[0] == kb->port[0] && ka->port[1] == kb->port[1] &&
        addresses_equal(ka->addr[0], kb->addr[0]) &&
        addresses_equal(ka->addr[1], kb->addr[1]);
}

/* Orders the two endpoints so that both directions give the same key. */
static void
subflow_key_fill(subflow_key *k, const address *src, guint16 sport,
        const address *dst, guint16 dport)
{
    int c = cmp_address(src, dst);

    if (c < 0 || (c == 0 && sport <= dport)) {
        k->addr[0] = src;
        k->port[0] = sport;
        k->addr[1] = dst;
        k->port[1] = dport;
    } else {
        k->addr[0] = dst;
        k->port[0] = dport;
        k->addr[1] = src;
        k->port[1] = sport;
    }
}

static subflow_state *
subflow_new(const address *a0, guint16 p0, const address *a1, guint16 p1)
{
    subflow_state *sf = wmem_new0(wmem_file_scope(), subflow_state);
    subflow_key *key = wmem_new0(wmem_file_scope(), subflow_key);

    copy_address_wmem(wmem_file_scope(), &sf->addr[0], a0);
    copy_address_wmem(wmem_file_scope(), &sf->addr[1], a1);
    sf->port[0] = p0;
    sf->port[1] = p1;
    sf->conn_side[0] = 0;
    sf->conn_side[1] = 1;
    /* The stored key points into the state, which lives as long. */
    subflow_key_fill(key, &sf->addr[0], p0, &sf->addr[1], p1);
    wmem_map_insert(subflows, key, sf);
    return sf;
}

static mptcp_connection *
connection_new(guint32 frame, guint8 version)
{
    mptcp_connection *conn = wmem_new0(wmem_file_scope(), mptcp_connection);

    conn->first_frame = frame;
    conn->version = version;
    return conn;
}

/* Records a key a host announced, its token and IDSN; returns FALSE if the
 * library refused the version. */
static gboolean
connection_learn_key(mptcp_connection *conn, guint side, guint64 key,
        guint32 *token, guint64 *idsn)
{
    if (mptcpscan_key_derive(conn->version, key, token, idsn) != MPTCPSCAN_RESULT_OK)
        return FALSE;
    conn->has_key[side] = TRUE;
    conn->key[side] = key;
    conn->idsn[side] = *idsn;
    wmem_map_insert(connections_by_token, GUINT_TO_POINTER(*token), conn);
    return TRUE;
}

/* The TCP header of the frame's only TCP segment, as the checks need it. */
typedef struct {
    tvbuff_t *tvb;
    gint start;
    guint16 sport;
    guint16 dport;
    guint32 seq;
    guint8 flags;
    guint hlen;
    gint seg_captured;
    gint payload_offset;
    gint payload_captured;
    gint payload_reported;
    gboolean continues_span;
} tcp_view;

static gboolean
tcp_view_fill(tcp_view *tv, field_info *fi)
{
    gint avail;

    tv->tvb = fi->ds_tvb;
    tv->start = fi->start;
    tv->continues_span = FALSE;
    avail = tvb_captured_length_remaining(tv->tvb, tv->start);
    if (avail < TCP_HEADER_LEN)
        return FALSE;
    tv->sport = tvb_get_ntohs(tv->tvb, tv->start);
    tv->dport = tvb_get_ntohs(tv->tvb, tv->start + 2);
    tv->seq = tvb_get_ntohl(tv->tvb, tv->start + 4);
    tv->hlen = (tvb_get_uint8(tv->tvb, tv->start + 12) >> 4) * 4;
    tv->flags = tvb_get_uint8(tv->tvb, tv->start + 13);
    if (tv->hlen < TCP_HEADER_LEN || (gint)tv->hlen > avail)
        return FALSE;
    tv->seg_captured = avail;
    tv->payload_offset = tv->start + tv->hlen;
    tv->payload_captured = avail - tv->hlen;
    tv->payload_reported = tvb_reported_length_remaining(tv->tvb, tv->payload_offset);
    if (tv->payload_reported < 0)
        tv->payload_reported = 0;
    return TRUE;
}

/* The last IP header of a family in the frame: the one a TCP segment or an
 * ICMP quote of that family is in. */
static field_info *
last_ip_item(proto_tree *tree, gboolean v6)
{
    GPtrArray *arr = proto_get_finfo_ptr_array(tree, v6 ? hf_ipv6_proto : hf_ip_proto);

    if (arr == NULL || arr->len == 0)
        return NULL;
    return (field_info *)g_ptr_array_index(arr, arr->len - 1);
}

static void
remember_probe(proto_tree *tree, packet_info *pinfo, const tcp_view *tv)
{
    field_info *ip = last_ip_item(tree, pinfo->src.type == AT_IPv6);
    probe_key *key;
    sent_probe *probe;
    gint len;

    if (ip == NULL)
        return;
    len = tvb_captured_length_remaining(ip->ds_tvb, ip->start);
    if (len <= 0)
        return;
    key = wmem_new(wmem_file_scope(), probe_key);
    key->sport = tv->sport;
    key->dport = tv->dport;
    key->seq = tv->seq;
    probe = wmem_new(wmem_file_scope(), sent_probe);
    probe->frame = pinfo->num;
    probe->len = (guint)len;
    probe->bytes = (guint8 *)tvb_memdup(wmem_file_scope(), ip->ds_tvb, ip->start, len);
    wmem_map_insert(sent_probes, key, probe);
}

/* Compares an ICMP error's quote with the SYN it quotes, if the capture has
 * that SYN. */
static quote_result *
analyse_quote(proto_tree *tree, field_info *tcp_fi, gboolean v6)
{
    field_info *ip = last_ip_item(tree, v6);
    mptcpscan_quote_change changes[MPTCPSCAN_QUOTE_MAX_CHANGES];
    mptcpscan_quote_diff diff;
    quote_result *q;
    sent_probe *probe;
    probe_key key;
    const guint8 *quote;
    char text[1024], hop[64];
    size_t written;
    gint len;

    if (ip == NULL || tvb_captured_length_remaining(tcp_fi->ds_tvb, tcp_fi->start) < 8)
        return NULL;
    key.sport = tvb_get_ntohs(tcp_fi->ds_tvb, tcp_fi->start);
    key.dport = tvb_get_ntohs(tcp_fi->ds_tvb, tcp_fi->start + 2);
    key.seq = tvb_get_ntohl(tcp_fi->ds_tvb, tcp_fi->start + 4);
    probe = (sent_probe *)wmem_map_lookup(sent_probes, &key);
    if (probe == NULL)
        return NULL;
    len = tvb_captured_length_remaining(ip->ds_tvb, ip->start);
    if (len <= 0)
        return NULL;
    quote = tvb_get_ptr(ip->ds_tvb, ip->start, len);
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

static gboolean
tcp_is_syn(field_info *fi)
{
    return tvb_captured_length_remaining(fi->ds_tvb, fi->start) >= TCP_HEADER_LEN &&
        (tvb_get_uint8(fi->ds_tvb, fi->start + 13) & TCP_FLAG_SYN) != 0;
}

static guint32
frame_ttl(proto_tree *tree, const packet_info *pinfo)
{
    GPtrArray *arr;
    field_info *fi;

    arr = proto_get_finfo_ptr_array(tree,
            pinfo->src.type == AT_IPv6 ? hf_ipv6_hlim : hf_ip_ttl);
    if (arr == NULL || arr->len == 0)
        return MPTCPSCAN_TTL_UNKNOWN;
    fi = (field_info *)g_ptr_array_index(arr, arr->len - 1);
    return fvalue_get_uinteger(FI_FVALUE(fi));
}

static void
check_mp_capable(option_result *r, subflow_state *sf, guint dir,
        const tcp_view *tv, packet_info *pinfo)
{
    const mptcpscan_mp_capable *mpc = &r->opt.body.mp_capable;
    mptcp_connection *conn;
    guint sender = dir, receiver = 1 - dir;

    if (sf->conn == NULL)
        sf->conn = connection_new(pinfo->num, mpc->version);
    conn = sf->conn;
    /* The SYN-ACK's version is the one both hosts settled on. */
    if ((tv->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK))
        conn->version = mpc->version;

    if (mpc->has_sender_key && pref_check_keys) {
        if (connection_learn_key(conn, sf->conn_side[sender], mpc->sender_key,
                    &r->tokens[r->n_keys], &r->idsns[r->n_keys]))
            r->keys[r->n_keys++] = mpc->sender_key;
    }
    if (mpc->has_receiver_key && pref_check_keys) {
        if (connection_learn_key(conn, sf->conn_side[receiver], mpc->receiver_key,
                    &r->tokens[r->n_keys], &r->idsns[r->n_keys]))
            r->keys[r->n_keys++] = mpc->receiver_key;
    }

    /* v1 may carry the first data on the third ACK: DSN = IDSN + 1, SSN 1. */
    if (mpc->has_checksum && pref_check_dss) {
        mptcpscan_dss_mapping map;
        guint side = sf->conn_side[sender];
        bool valid;

        r->dss = CHECK_UNVERIFIABLE;
        if (conn->has_key[side] && mpc->data_len > 0 &&
                tv->payload_captured == mpc->data_len &&
                tv->payload_reported == mpc->data_len) {
            const guint8 *payload = tvb_get_ptr(tv->tvb, tv->payload_offset,
                    tv->payload_captured);

            map.dsn = conn->idsn[side] + 1;
            map.ssn = 1;
            map.data_len = mpc->data_len;
            if (mptcpscan_dss_checksum_verify(&map, payload, tv->payload_captured,
                        mpc->checksum, &valid) == MPTCPSCAN_RESULT_OK) {
                r->dss = valid ? CHECK_VALID : CHECK_INVALID;
                r->has_dss_computed = valid ||
                    mptcpscan_dss_checksum(&map, payload, tv->payload_captured,
                            &r->dss_computed) == MPTCPSCAN_RESULT_OK;
                if (valid)
                    r->dss_computed = mpc->checksum;
            }
        }
    }
}

static void
check_mp_join(option_result *r, subflow_state *sf, guint dir)
{
    const mptcpscan_mp_join *mpj = &r->opt.body.mp_join;
    mptcp_connection *conn;
    mptcpscan_join_handshake hs;
    mptcpscan_result rc;
    bool valid;

    if (!pref_check_join)
        return;

    if (mpj->stage == MPTCPSCAN_JOIN_STAGE_SYN) {
        conn = (mptcp_connection *)wmem_map_lookup(connections_by_token,
                GUINT_TO_POINTER(mpj->token));
        r->join_token_checked = TRUE;
        sf->has_nonce[dir] = TRUE;
        sf->nonce[dir] = mpj->nonce;
        if (conn == NULL)
            return;
        r->join_token_known = TRUE;
        r->join_connection = conn->first_frame;
        sf->conn = conn;
        /* The SYN's receiver is the host whose token it carries. */
        {
            guint32 token;
            guint64 idsn;
            guint listener = 1;

            if (conn->has_key[0] &&
                    mptcpscan_key_derive(conn->version, conn->key[0], &token, &idsn) ==
                    MPTCPSCAN_RESULT_OK && token == mpj->token)
                listener = 0;
            sf->conn_side[1 - dir] = listener;
            sf->conn_side[dir] = 1 - listener;
        }
        return;
    }

    if (mpj->stage == MPTCPSCAN_JOIN_STAGE_SYN_ACK) {
        sf->has_nonce[dir] = TRUE;
        sf->nonce[dir] = mpj->nonce;
    }

    r->hmac = CHECK_UNVERIFIABLE;
    conn = sf->conn;
    if (conn == NULL || !sf->has_nonce[0] || !sf->has_nonce[1])
        return;
    /* Endpoint 0 of a join subflow sent its SYN: the initiator. */
    if (!conn->has_key[sf->conn_side[0]] || !conn->has_key[sf->conn_side[1]])
        return;
    hs.initiator_key = conn->key[sf->conn_side[0]];
    hs.listener_key = conn->key[sf->conn_side[1]];
    hs.initiator_nonce = sf->nonce[0];
    hs.listener_nonce = sf->nonce[1];
    if (mpj->stage == MPTCPSCAN_JOIN_STAGE_SYN_ACK)
        rc = mptcpscan_join_verify_syn_ack(conn->version, &hs, mpj->hmac, mpj->hmac_len, &valid);
    else
        rc = mptcpscan_join_verify_ack(conn->version, &hs, mpj->hmac, mpj->hmac_len, &valid);
    if (rc == MPTCPSCAN_RESULT_OK)
        r->hmac = valid ? CHECK_VALID : CHECK_INVALID;
}

static void
check_add_addr(option_result *r, subflow_state *sf, guint dir)
{
    const mptcpscan_add_addr *aa = &r->opt.body.add_addr;
    mptcp_connection *conn = sf->conn;
    mptcpscan_hmac_keys keys;
    guint32 scope, check;
    bool leak;

    if (!pref_check_add_addr)
        return;

    if (mptcpscan_address_scope(&aa->address, &scope) == MPTCPSCAN_RESULT_OK &&
            mptcpscan_scope_describe(scope, &r->scope_name, &leak) == MPTCPSCAN_RESULT_OK) {
        r->has_scope = TRUE;
        r->leak = leak;
    }

    if (!aa->has_hmac)
        return;
    r->hmac = CHECK_UNVERIFIABLE;
    if (conn == NULL || !conn->has_key[0] || !conn->has_key[1])
        return;
    keys.sender = conn->key[sf->conn_side[dir]];
    keys.receiver = conn->key[sf->conn_side[1 - dir]];
    if (mptcpscan_add_addr_verify(&keys, aa->addr_id, &aa->address,
                aa->has_port ? aa->port : 0, aa->hmac, sizeof(aa->hmac), &check) !=
            MPTCPSCAN_RESULT_OK)
        return;
    switch (check) {
    case MPTCPSCAN_ADD_ADDR_CHECK_VALID:
        r->hmac = CHECK_VALID;
        break;
    case MPTCPSCAN_ADD_ADDR_CHECK_PRE_RFC_TRUNCATION:
        r->hmac = CHECK_PRE_RFC;
        break;
    default:
        r->hmac = CHECK_INVALID;
        break;
    }
}

static void
span_drop(subflow_state *sf, guint dir)
{
    if (sf->span_sum[dir] == NULL)
        return;
    mptcpscan_dss_sum_free(sf->span_sum[dir]);
    sf->span_sum[dir] = NULL;
    open_spans--;
}

/* Feeds a segment to the mapping it continues; the segment that completes
 * the mapping gets the checksum's verdict. A gap or a retransmission ends
 * the sum as unverifiable. */
static void
span_continue(frame_result *res, subflow_state *sf, guint dir, tcp_view *tv)
{
    guint16 computed;
    bool valid;

    if (sf->span_sum[dir] == NULL || tv->payload_reported == 0)
        return;
    res->span_frame = sf->span_frame[dir];
    if (tv->seq != sf->span_next_seq[dir] || tv->payload_captured != tv->payload_reported ||
            (guint32)tv->payload_reported > sf->span_remaining[dir] ||
            mptcpscan_dss_sum_update(sf->span_sum[dir],
                tvb_get_ptr(tv->tvb, tv->payload_offset, tv->payload_captured),
                tv->payload_captured) != MPTCPSCAN_RESULT_OK) {
        res->span = CHECK_UNVERIFIABLE;
        span_drop(sf, dir);
        return;
    }
    tv->continues_span = TRUE;
    sf->span_next_seq[dir] += tv->payload_reported;
    sf->span_remaining[dir] -= tv->payload_reported;
    if (sf->span_remaining[dir] > 0) {
        res->span = CHECK_SPANS;
        return;
    }
    if (mptcpscan_dss_sum_finish(sf->span_sum[dir], sf->span_checksum[dir], &computed,
                &valid) == MPTCPSCAN_RESULT_OK) {
        res->span = valid ? CHECK_VALID : CHECK_INVALID;
        res->has_span_computed = TRUE;
        res->span_computed = computed;
    } else {
        res->span = CHECK_UNVERIFIABLE;
    }
    span_drop(sf, dir);
}

/* Starts summing a mapping longer than the segment that announces it. */
static void
span_start(option_result *r, subflow_state *sf, guint dir, const tcp_view *tv,
        const mptcpscan_dss_mapping *map, guint expected_len, guint16 checksum, guint32 frame)
{
    span_drop(sf, dir);
    if (mptcpscan_dss_sum_new(map, &sf->span_sum[dir]) != MPTCPSCAN_RESULT_OK)
        return;
    open_spans++;
    if (mptcpscan_dss_sum_update(sf->span_sum[dir],
                tvb_get_ptr(tv->tvb, tv->payload_offset, tv->payload_captured),
                tv->payload_captured) != MPTCPSCAN_RESULT_OK) {
        span_drop(sf, dir);
        return;
    }
    sf->span_frame[dir] = frame;
    sf->span_ssn[dir] = map->ssn;
    sf->span_next_seq[dir] = tv->seq + tv->payload_captured;
    sf->span_remaining[dir] = expected_len - tv->payload_captured;
    sf->span_checksum[dir] = checksum;
    r->dss = CHECK_SPANS;
}

static void
check_dss(option_result *r, subflow_state *sf, guint dir, const tcp_view *tv, guint32 frame)
{
    const mptcpscan_dss *dss = &r->opt.body.dss;
    mptcp_connection *conn = sf->conn;
    mptcpscan_dss_mapping map;
    guint side;
    guint64 dsn;
    guint expected_len;
    const guint8 *payload;
    bool valid;

    if (!pref_check_dss || !(dss->flags & MPTCPSCAN_DSS_FLAG_MAPPING))
        return;

    side = sf->conn_side[dir];
    if (dss->flags & MPTCPSCAN_DSS_FLAG_DSN_8) {
        dsn = dss->dsn;
    } else if (conn != NULL && (conn->has_last_dsn[side] || conn->has_key[side])) {
        guint64 near = conn->has_last_dsn[side] ? conn->last_dsn[side] : conn->idsn[side];

        if (mptcpscan_dss_expand_dsn((guint32)dss->dsn, near, &dsn) != MPTCPSCAN_RESULT_OK)
            return;
    } else {
        if (dss->has_checksum)
            r->dss = CHECK_UNVERIFIABLE;
        return;
    }
    if (conn != NULL) {
        conn->has_last_dsn[side] = TRUE;
        conn->last_dsn[side] = dsn;
    }
    if (!dss->has_checksum)
        return;
    /* A segment repeating the mapping it continues (a TSO split) was
     * summed with that mapping. */
    if (tv->continues_span && dss->ssn == sf->span_ssn[dir])
        return;

    /* A DATA_FIN takes one data-level byte without payload. */
    r->dss = CHECK_UNVERIFIABLE;
    expected_len = dss->data_len;
    if (dss->flags & MPTCPSCAN_DSS_FLAG_DATA_FIN && expected_len > 0 &&
            (gint)expected_len == tv->payload_reported + 1)
        expected_len--;
    if (tv->payload_captured != tv->payload_reported)
        return;
    if (sf->has_isn[dir] && expected_len > 0 && tv->seq - sf->isn[dir] != dss->ssn)
        return;

    map.dsn = dsn;
    map.ssn = dss->ssn;
    map.data_len = dss->data_len;
    if ((gint)expected_len > tv->payload_reported && tv->payload_reported > 0 &&
            sf->has_isn[dir]) {
        span_start(r, sf, dir, tv, &map, expected_len, dss->checksum, frame);
        return;
    }
    if ((gint)expected_len != tv->payload_reported)
        return;
    payload = expected_len > 0 ?
        tvb_get_ptr(tv->tvb, tv->payload_offset, expected_len) : (const guint8 *)"";
    /* The sum is computed a second time only to show what a wrong one
     * should have been. */
    if (mptcpscan_dss_checksum_verify(&map, payload, expected_len, dss->checksum, &valid) !=
            MPTCPSCAN_RESULT_OK)
        return;
    r->dss = valid ? CHECK_VALID : CHECK_INVALID;
    r->dss_computed = dss->checksum;
    r->has_dss_computed = valid ||
        mptcpscan_dss_checksum(&map, payload, expected_len, &r->dss_computed) ==
        MPTCPSCAN_RESULT_OK;
}

static void
check_fastclose(option_result *r, subflow_state *sf, guint dir)
{
    mptcp_connection *conn = sf->conn;
    guint receiver;

    if (!pref_check_alerts)
        return;
    r->fastclose = CHECK_UNVERIFIABLE;
    if (conn == NULL)
        return;
    receiver = sf->conn_side[1 - dir];
    if (!conn->has_key[receiver])
        return;
    r->fastclose = conn->key[receiver] == r->opt.body.mp_fastclose.receiver_key ?
        CHECK_VALID : CHECK_INVALID;
}

/* Runs every check on the frame's TCP segment and MPTCP options, in capture
 * order, updating the per-capture state. */
static frame_result *
analyse_frame(proto_tree *tree, packet_info *pinfo, field_info *tcp_fi, GPtrArray *mptcp_items)
{
    frame_result *res = wmem_new0(wmem_file_scope(), frame_result);
    subflow_key lookup;
    subflow_state *sf;
    tcp_view tv;
    guint dir, i;

    if (!tcp_view_fill(&tv, tcp_fi))
        return res;

    subflow_key_fill(&lookup, &pinfo->src, tv.sport, &pinfo->dst, tv.dport);
    sf = (subflow_state *)wmem_map_lookup(subflows, &lookup);
    if ((tv.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN) {
        /* A SYN opens a new subflow even on a reused 4-tuple. */
        if (sf != NULL) {
            span_drop(sf, 0);
            span_drop(sf, 1);
        }
        sf = subflow_new(&pinfo->src, tv.sport, &pinfo->dst, tv.dport);
    } else if (sf == NULL) {
        if (tv.flags & TCP_FLAG_SYN)
            sf = subflow_new(&pinfo->dst, tv.dport, &pinfo->src, tv.sport);
        else
            sf = subflow_new(&pinfo->src, tv.sport, &pinfo->dst, tv.dport);
    }
    dir = (addresses_equal(&sf->addr[0], &pinfo->src) && sf->port[0] == tv.sport) ? 0 : 1;

    if (tv.flags & TCP_FLAG_SYN && !(tv.flags & TCP_FLAG_RST)) {
        sf->has_isn[dir] = TRUE;
        sf->isn[dir] = tv.seq;
    }
    if ((tv.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN &&
            (pref_check_handshake || pref_check_quote) && tv.hlen > TCP_HEADER_LEN) {
        sf->has_probe = mptcpscan_probe_describe(
                tvb_get_ptr(tv.tvb, tv.start + TCP_HEADER_LEN, tv.hlen - TCP_HEADER_LEN),
                tv.hlen - TCP_HEADER_LEN, &sf->probe) == MPTCPSCAN_RESULT_OK;
        sf->syn_seq = tv.seq;
        sf->syn_frame = pinfo->num;
        if (sf->has_probe && pref_check_quote)
            remember_probe(tree, pinfo, &tv);
    }
    if ((tv.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK) &&
            dir == 1 && sf->has_probe && pref_check_handshake) {
        if (mptcpscan_classify_tcp(&sf->probe, sf->syn_seq,
                    tvb_get_ptr(tv.tvb, tv.start, tv.seg_captured), tv.seg_captured,
                    frame_ttl(tree, pinfo), &res->cls) == MPTCPSCAN_RESULT_OK) {
            res->has_handshake = TRUE;
            res->syn_frame = sf->syn_frame;
        }
    }

    if (pref_check_dss)
        span_continue(res, sf, dir, &tv);

    if (mptcp_items == NULL || mptcp_items->len == 0)
        return res;
    res->n_options = mptcp_items->len;
    res->options = wmem_alloc0_array(wmem_file_scope(), option_result, res->n_options);
    for (i = 0; i < res->n_options; i++) {
        field_info *fi = (field_info *)g_ptr_array_index(mptcp_items, i);
        option_result *r = &res->options[i];
        guint8 bytes[MPTCPSCAN_MAX_OPTIONS_LEN];
        guint32 version = sf->conn != NULL ? sf->conn->version : MPTCPSCAN_MPTCP_VERSION_V1;

        if (fi->length <= 0 || fi->length > MPTCPSCAN_MAX_OPTIONS_LEN ||
                tvb_captured_length_remaining(fi->ds_tvb, fi->start) < fi->length) {
            r->error = MPTCPSCAN_RESULT_WIRE_TRUNCATED;
            continue;
        }
        tvb_memcpy(fi->ds_tvb, bytes, fi->start, fi->length);
        r->error = mptcpscan_mptcp_parse(bytes, fi->length, version, &r->opt);
        if (r->error != MPTCPSCAN_RESULT_OK)
            continue;
        switch (r->opt.subtype) {
        case MPTCPSCAN_MPTCP_SUBTYPE_MP_CAPABLE:
            check_mp_capable(r, sf, dir, &tv, pinfo);
            break;
        case MPTCPSCAN_MPTCP_SUBTYPE_MP_JOIN:
            check_mp_join(r, sf, dir);
            break;
        case MPTCPSCAN_MPTCP_SUBTYPE_DSS:
            check_dss(r, sf, dir, &tv, pinfo->num);
            break;
        case MPTCPSCAN_MPTCP_SUBTYPE_ADD_ADDR:
            check_add_addr(r, sf, dir);
            break;
        case MPTCPSCAN_MPTCP_SUBTYPE_MP_FASTCLOSE:
            check_fastclose(r, sf, dir);
            break;
        default:
            break;
        }
    }
    return res;
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

static void
show_option(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, gint start, gint len,
        const option_result *r)
{
    proto_tree *st;
    proto_item *ti;
    const char *name;
    guint k;

    ti = proto_tree_add_item(tree, hf_mptcpscan_option, tvb, start, len, ENC_NA);
    st = proto_item_add_subtree(ti, ett_mptcpscan_option);
    if (r->error != MPTCPSCAN_RESULT_OK) {
        ti = proto_tree_add_string(st, hf_mptcpscan_error, tvb, start, len,
                mptcpscan_strerror(r->error));
        expert_add_info_format(pinfo, ti, &ei_mptcpscan_malformed_option,
                "MPTCP option does not decode: %s", mptcpscan_strerror(r->error));
        return;
    }
    if (mptcpscan_mptcp_subtype_name(r->opt.subtype, &name) == MPTCPSCAN_RESULT_OK) {
        proto_tree_add_string(st, hf_mptcpscan_subtype, tvb, start, len, name);
        proto_item_append_text(ti, " (%s)", name);
    }
    for (k = 0; k < r->n_keys; k++) {
        proto_tree_add_uint64(st, hf_mptcpscan_key, tvb, start, len, r->keys[k]);
        proto_tree_add_uint(st, hf_mptcpscan_token, tvb, start, len, r->tokens[k]);
        proto_tree_add_uint64(st, hf_mptcpscan_idsn, tvb, start, len, r->idsns[k]);
    }

    switch (r->opt.subtype) {
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_JOIN:
        if (r->join_token_checked) {
            ti = proto_tree_add_boolean(st, hf_mptcpscan_join_token_known, tvb, start, len,
                    r->join_token_known);
            if (r->join_token_known)
                proto_tree_add_uint(st, hf_mptcpscan_join_connection, tvb, start, len,
                        r->join_connection);
            else
                expert_add_info_format(pinfo, ti, &ei_mptcpscan_unknown_token,
                        "MP_JOIN token 0x%08x belongs to no connection in the capture",
                        r->opt.body.mp_join.token);
        }
        if (r->hmac != CHECK_NONE) {
            ti = proto_tree_add_string(st, hf_mptcpscan_join_hmac, tvb, start, len,
                    check_names[r->hmac]);
            if (r->hmac == CHECK_INVALID)
                expert_add_info(pinfo, ti, &ei_mptcpscan_bad_join_hmac);
        }
        break;
    case MPTCPSCAN_MPTCP_SUBTYPE_ADD_ADDR:
        if (r->hmac != CHECK_NONE) {
            ti = proto_tree_add_string(st, hf_mptcpscan_add_addr_hmac, tvb, start, len,
                    check_names[r->hmac]);
            if (r->hmac == CHECK_INVALID)
                expert_add_info(pinfo, ti, &ei_mptcpscan_bad_add_addr_hmac);
            else if (r->hmac == CHECK_PRE_RFC)
                expert_add_info(pinfo, ti, &ei_mptcpscan_pre_rfc_add_addr_hmac);
        }
        if (r->has_scope) {
            proto_tree_add_string(st, hf_mptcpscan_add_addr_scope, tvb, start, len,
                    r->scope_name);
            ti = proto_tree_add_boolean(st, hf_mptcpscan_add_addr_leak, tvb, start, len,
                    r->leak);
            if (r->leak)
                expert_add_info_format(pinfo, ti, &ei_mptcpscan_leaked_address,
                        "ADD_ADDR advertises a %s address", r->scope_name);
        }
        break;
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_FAIL:
        ti = proto_tree_add_uint64(st, hf_mptcpscan_fail_dsn, tvb, start, len,
                r->opt.body.mp_fail.dsn);
        if (pref_check_alerts)
            expert_add_info_format(pinfo, ti, &ei_mptcpscan_mp_fail,
                    "MP_FAIL: fallback to TCP after a bad mapping at DSN %" PRIu64,
                    r->opt.body.mp_fail.dsn);
        break;
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_FASTCLOSE:
        if (r->fastclose != CHECK_NONE) {
            ti = proto_tree_add_string(st, hf_mptcpscan_fastclose_key, tvb, start, len,
                    check_names[r->fastclose]);
            expert_add_info(pinfo, ti, &ei_mptcpscan_fastclose);
        }
        break;
    case MPTCPSCAN_MPTCP_SUBTYPE_MP_TCPRST:
        if (mptcpscan_tcprst_reason_name(r->opt.body.mp_tcprst.reason, &name) !=
                MPTCPSCAN_RESULT_OK)
            name = "unknown";
        ti = proto_tree_add_string(st, hf_mptcpscan_tcprst_reason, tvb, start, len, name);
        if (pref_check_alerts)
            expert_add_info_format(pinfo, ti, &ei_mptcpscan_tcprst,
                    "MP_TCPRST reason: %s%s", name,
                    r->opt.body.mp_tcprst.flags & MPTCPSCAN_TCPRST_FLAG_TRANSIENT ?
                    " (transient)" : "");
        break;
    default:
        break;
    }

    if (r->dss != CHECK_NONE) {
        ti = proto_tree_add_string(st, hf_mptcpscan_dss_checksum, tvb, start, len,
                check_names[r->dss]);
        if (r->dss == CHECK_INVALID)
            expert_add_info(pinfo, ti, &ei_mptcpscan_bad_dss_checksum);
        if (r->has_dss_computed)
            proto_tree_add_uint(st, hf_mptcpscan_dss_checksum_computed, tvb, start, len,
                    r->dss_computed);
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
    GPtrArray *tcp_items, *mptcp_items, *icmp_items;
    frame_result *res;
    proto_item *ti;
    proto_tree *st;
    guint i;

    if (tree == NULL)
        return 0;
    mptcp_items = proto_get_finfo_ptr_array(tree, hf_mptcp_proto);
    res = (frame_result *)p_get_proto_data(wmem_file_scope(), pinfo, proto_mptcpscan, 0);
    if (res == NULL) {
        gboolean v6 = FALSE;

        tcp_items = proto_get_finfo_ptr_array(tree, hf_tcp_proto);
        if (tcp_items == NULL || tcp_items->len == 0)
            return 0;
        icmp_items = proto_get_finfo_ptr_array(tree, hf_icmp_proto);
        if (icmp_items == NULL || icmp_items->len == 0) {
            icmp_items = proto_get_finfo_ptr_array(tree, hf_icmpv6_proto);
            v6 = TRUE;
        }
        /* tshark -2 may skip dissection on its first pass: then the second,
         * also in capture order, is the first to reach this frame. */
        if (icmp_items != NULL && icmp_items->len > 0) {
            /* A TCP header quoted in an ICMP error belongs to no
             * conversation: it is compared with the SYN it quotes. */
            if (!pref_check_quote)
                return 0;
            res = wmem_new0(wmem_file_scope(), frame_result);
            res->quote = analyse_quote(tree,
                    (field_info *)g_ptr_array_index(tcp_items, tcp_items->len - 1), v6);
        } else if (tcp_items->len == 1) {
            field_info *tcp_fi = (field_info *)g_ptr_array_index(tcp_items, 0);

            /* Most segments of plain TCP need no state: only SYNs, MPTCP
             * options and the payload of a mapping being summed do. */
            if ((mptcp_items == NULL || mptcp_items->len == 0) && open_spans == 0 &&
                    !tcp_is_syn(tcp_fi))
                res = &no_result;
            else
                res = analyse_frame(tree, pinfo, tcp_fi, mptcp_items);
        } else {
            return 0;
        }
        p_add_proto_data(wmem_file_scope(), pinfo, proto_mptcpscan, 0, res);
    }
    if (!res->has_handshake && res->n_options == 0 && res->quote == NULL &&
            res->span == CHECK_NONE)
        return 0;

    ti = proto_tree_add_item(tree, proto_mptcpscan, tvb, 0, 0, ENC_NA);
    proto_item_set_generated(ti);
    st = proto_item_add_subtree(ti, ett_mptcpscan);
    if (res->has_handshake)
        show_handshake(st, pinfo, tvb, res);
    if (res->quote != NULL) {
        show_quote(st, pinfo, tvb, res->quote);
        return tvb_captured_length(tvb);
    }
    if (res->span != CHECK_NONE) {
        proto_tree_add_uint(st, hf_mptcpscan_dss_mapping_frame, tvb, 0, 0, res->span_frame);
        ti = proto_tree_add_string(st, hf_mptcpscan_dss_checksum, tvb, 0, 0,
                check_names[res->span]);
        if (res->span == CHECK_INVALID)
            expert_add_info(pinfo, ti, &ei_mptcpscan_bad_dss_checksum);
        if (res->has_span_computed)
            proto_tree_add_uint(st, hf_mptcpscan_dss_checksum_computed, tvb, 0, 0,
                    res->span_computed);
    }
    /* tshark's second pass does not hand over the TCP dissector's items:
     * the cached results are then shown without their byte ranges. */
    for (i = 0; i < res->n_options; i++) {
        field_info *fi = mptcp_items != NULL && i < mptcp_items->len ?
            (field_info *)g_ptr_array_index(mptcp_items, i) : NULL;

        if (fi != NULL)
            show_option(st, pinfo, fi->ds_tvb, fi->start, fi->length, &res->options[i]);
        else
            show_option(st, pinfo, tvb, 0, 0, &res->options[i]);
    }
    return tvb_captured_length(tvb);
}

static void
subflow_free_sums(gpointer key _U_, gpointer value, gpointer user_data _U_)
{
    subflow_state *sf = (subflow_state *)value;

    span_drop(sf, 0);
    span_drop(sf, 1);
}

/* The library's checksum states are not wmem memory: release those still
 * open when the capture closes. */
static void
mptcpscan_cleanup(void)
{
    wmem_map_foreach(subflows, subflow_free_sums, NULL);
    open_spans = 0;
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
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto_mptcpscan);
    expert_register_field_array(expert, ei, array_length(ei));

    module = prefs_register_protocol(proto_mptcpscan, NULL);
    prefs_register_bool_preference(module, "check_handshake", "Classify SYN-ACKs",
            "Classify each SYN-ACK against its SYN: real MPTCP, mirrored, suspicious, absent",
            &pref_check_handshake);
    prefs_register_bool_preference(module, "check_keys", "Track keys",
            "Derive token and IDSN of each MP_CAPABLE key (the other checks need the keys)",
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

    subflows = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(),
            subflow_key_hash, subflow_key_equal);
    connections_by_token = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(),
            g_direct_hash, g_direct_equal);
    sent_probes = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(),
            probe_key_hash, probe_key_equal);

    register_cleanup_routine(mptcpscan_cleanup);
    mptcpscan_handle = register_dissector("mptcpscan", dissect_mptcpscan, proto_mptcpscan);
}

void
proto_reg_handoff_mptcpscan(void)
{
    GArray *wanted;
    const char *names[] = { "tcp", "mptcp", "ip.ttl", "ipv6.hlim", "icmp", "icmpv6", "ip",
        "ipv6" };
    int *ids[] = { &hf_tcp_proto, &hf_mptcp_proto, &hf_ip_ttl, &hf_ipv6_hlim,
        &hf_icmp_proto, &hf_icmpv6_proto, &hf_ip_proto, &hf_ipv6_proto };
    guint i;

    wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    for (i = 0; i < array_length(names); i++) {
        *ids[i] = proto_registrar_get_id_byname(names[i]);
        if (*ids[i] > 0)
            g_array_append_val(wanted, *ids[i]);
    }
    register_postdissector(mptcpscan_handle);
    set_postdissector_wanted_hfids(mptcpscan_handle, wanted);
}

#ifdef WIRESHARK_PLUGIN_REGISTER
static void
#else
void
#endif
plugin_register(void)
{
    static proto_plugin plug;

    plug.register_protoinfo = proto_register_mptcpscan;
    plug.register_handoff = proto_reg_handoff_mptcpscan;
    proto_register_plugin(&plug);
}

#ifdef WIRESHARK_PLUGIN_REGISTER
static struct ws_module mptcpscan_module = {
    .flags = WS_PLUGIN_DESC_DISSECTOR,
    .version = MPTCPSCAN_PLUGIN_VERSION,
    .spdx_id = "GPL-2.0-or-later",
    .home_url = "",
    .blurb = "MPTCP verdicts and checks from libmptcpscan",
    .register_cb = &plugin_register,
};

WIRESHARK_PLUGIN_REGISTER_EPAN(&mptcpscan_module, 0)
#elif defined(WS_PLUGIN_DESC_DISSECTOR)
uint32_t
plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
