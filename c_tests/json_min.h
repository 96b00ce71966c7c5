/*
 * json_min.h: a minimal JSON reader for the golden-file expectations (tests/golden/<case>.json)
 * and the shared conformance cases (tests/conformance/cases.json), so that the C tests need
 * nothing but a C compiler. Parses the whole of RFC 8259 into a
 * small tree: objects keep their keys in order; numbers are doubles (the golden floats are
 * float32 values written with full precision, so double → float is exact).
 *
 *   json *doc = json_parse_file(path, errbuf, sizeof errbuf);   NULL on error, errbuf says why
 *   const json *q = json_get(doc, "queries");                   NULL when missing / not object
 *   json_free(doc);
 */
#ifndef JSON_MIN_H
#define JSON_MIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json {
    json_type type;
    bool boolean;
    double number;
    char *string;        /* JSON_STRING: NUL-terminated UTF-8 */
    size_t len;          /* JSON_ARRAY / JSON_OBJECT: number of items */
    struct json *items;  /* JSON_ARRAY / JSON_OBJECT: values */
    char **keys;         /* JSON_OBJECT: keys, parallel to items */
} json;

typedef struct {
    const char *start, *p, *end;
    char *err;
    size_t err_size;
    int depth;
} json_parser_;

/* Out of memory ends the test program: a test input is never large enough for it. */
static void *json_realloc_(void *p, size_t size) {
    void *q = realloc(p, size);
    if (!q) {
        fprintf(stderr, "json_min.h: out of memory\n");
        exit(1);
    }
    return q;
}

static void json_free_(json *v) {
    if (v->type == JSON_STRING)
        free(v->string);
    if (v->type == JSON_ARRAY || v->type == JSON_OBJECT) {
        for (size_t i = 0; i < v->len; i++) {
            json_free_(&v->items[i]);
            if (v->keys)
                free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
    }
}

static __attribute__((unused)) void json_free(json *v) {
    if (v) {
        json_free_(v);
        free(v);
    }
}

static bool json_fail_(json_parser_ *ps, const char *what) {
    if (ps->err && ps->err[0] == '\0')
        snprintf(ps->err, ps->err_size, "%s at byte %ld", what, (long)(ps->p - ps->start));
    return false;
}

static void json_ws_(json_parser_ *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool json_value_(json_parser_ *ps, json *out);

static int json_hex4_(const char *s) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static bool json_string_(json_parser_ *ps, char **out) {
    /* ps->p is at the opening quote */
    ps->p++;
    size_t cap = 16, n = 0;
    char *s = (char *)json_realloc_(NULL, cap);
    for (;;) {
        if (ps->p >= ps->end) {
            free(s);
            return json_fail_(ps, "unterminated string");
        }
        unsigned char c = (unsigned char)*ps->p++;
        uint32_t cp;
        if (c == '"')
            break;
        if (c < 0x20) {
            free(s);
            return json_fail_(ps, "control character in string");
        }
        if (c != '\\') {
            cp = c; /* raw byte (UTF-8 passes through) */
        } else {
            if (ps->p >= ps->end) {
                free(s);
                return json_fail_(ps, "bad escape");
            }
            char e = *ps->p++;
            switch (e) {
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = '\b'; break;
            case 'f': cp = '\f'; break;
            case 'n': cp = '\n'; break;
            case 'r': cp = '\r'; break;
            case 't': cp = '\t'; break;
            case 'u': {
                int h = ps->end - ps->p >= 4 ? json_hex4_(ps->p) : -1;
                if (h < 0) {
                    free(s);
                    return json_fail_(ps, "bad \\u escape");
                }
                ps->p += 4;
                cp = (uint32_t)h;
                if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
                    ps->p[1] == 'u') {
                    int lo = json_hex4_(ps->p + 2);
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                        ps->p += 6;
                    }
                }
                break;
            }
            default:
                free(s);
                return json_fail_(ps, "bad escape");
            }
        }
        if (n + 5 > cap) {
            cap *= 2;
            s = (char *)json_realloc_(s, cap);
        }
        if (c != '\\' || cp < 0x80) {
            s[n++] = (char)cp;
        } else if (cp < 0x800) {
            s[n++] = (char)(0xC0 | (cp >> 6));
            s[n++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            s[n++] = (char)(0xE0 | (cp >> 12));
            s[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[n++] = (char)(0x80 | (cp & 0x3F));
        } else {
            s[n++] = (char)(0xF0 | (cp >> 18));
            s[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            s[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[n++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    s[n] = '\0';
    *out = s;
    return true;
}

static bool json_push_(json *v, size_t *cap, char *key) {
    if (v->len == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        v->items = (json *)json_realloc_(v->items, *cap * sizeof(json));
        if (v->type == JSON_OBJECT)
            v->keys = (char **)json_realloc_(v->keys, *cap * sizeof(char *));
    }
    memset(&v->items[v->len], 0, sizeof(json));
    if (v->type == JSON_OBJECT)
        v->keys[v->len] = key;
    v->len++;
    return true;
}

static bool json_value_(json_parser_ *ps, json *out) {
    memset(out, 0, sizeof *out);
    json_ws_(ps);
    if (ps->p >= ps->end)
        return json_fail_(ps, "unexpected end");
    if (++ps->depth > 200)
        return json_fail_(ps, "nested too deeply");
    char c = *ps->p;
    bool ok = true;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        size_t cap = 0;
        out->type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
        ps->p++;
        json_ws_(ps);
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
        } else {
            for (;;) {
                char *key = NULL;
                if (out->type == JSON_OBJECT) {
                    json_ws_(ps);
                    if (ps->p >= ps->end || *ps->p != '"' || !json_string_(ps, &key)) {
                        ok = json_fail_(ps, "expected a key");
                        break;
                    }
                    json_ws_(ps);
                    if (ps->p >= ps->end || *ps->p != ':') {
                        free(key);
                        ok = json_fail_(ps, "expected ':'");
                        break;
                    }
                    ps->p++;
                }
                json_push_(out, &cap, key);
                if (!json_value_(ps, &out->items[out->len - 1])) {
                    ok = false;
                    break;
                }
                json_ws_(ps);
                if (ps->p < ps->end && *ps->p == ',') {
                    ps->p++;
                    continue;
                }
                if (ps->p < ps->end && *ps->p == close) {
                    ps->p++;
                    break;
                }
                ok = json_fail_(ps, "expected ',' or a closing bracket");
                break;
            }
        }
    } else if (c == '"') {
        out->type = JSON_STRING;
        ok = json_string_(ps, &out->string);
        if (!ok)
            out->type = JSON_NULL;
    } else if (ps->end - ps->p >= 4 && strncmp(ps->p, "true", 4) == 0) {
        out->type = JSON_BOOL;
        out->boolean = true;
        ps->p += 4;
    } else if (ps->end - ps->p >= 5 && strncmp(ps->p, "false", 5) == 0) {
        out->type = JSON_BOOL;
        ps->p += 5;
    } else if (ps->end - ps->p >= 4 && strncmp(ps->p, "null", 4) == 0) {
        out->type = JSON_NULL;
        ps->p += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        char *after = NULL;
        out->type = JSON_NUMBER;
        out->number = strtod(ps->p, &after); /* the buffer is NUL-terminated */
        if (after == ps->p)
            ok = json_fail_(ps, "bad number");
        else
            ps->p = after;
    } else {
        ok = json_fail_(ps, "unexpected character");
    }
    ps->depth--;
    return ok;
}

/* Parses a NUL-terminated buffer. */
static __attribute__((unused)) json *json_parse(const char *text, size_t len, char *err,
                                                size_t err_size) {
    json_parser_ ps = {text, text, text + len, err, err_size, 0};
    if (err && err_size)
        err[0] = '\0';
    json *doc = (json *)json_realloc_(NULL, sizeof(json));
    memset(doc, 0, sizeof *doc);
    if (!json_value_(&ps, doc)) {
        json_free(doc);
        return NULL;
    }
    json_ws_(&ps);
    if (ps.p != ps.end) {
        json_fail_(&ps, "trailing characters");
        json_free(doc);
        return NULL;
    }
    return doc;
}

static __attribute__((unused)) json *json_parse_file(const char *path, char *err,
                                                     size_t err_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        (void)path;
        snprintf(err, err_size, "cannot open the file");
        return NULL;
    }
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    char *text = size >= 0 && fseek(f, 0, SEEK_SET) == 0 ? (char *)malloc((size_t)size + 1) : NULL;
    if (!text) {
        fclose(f);
        snprintf(err, err_size, "cannot read the file");
        return NULL;
    }
    size_t got = fread(text, 1, (size_t)size, f);
    fclose(f);
    text[got] = '\0';
    json *doc = json_parse(text, got, err, err_size);
    free(text);
    return doc;
}

/* The member `key` of an object, or NULL. */
static __attribute__((unused)) const json *json_get(const json *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->len; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

#endif /* JSON_MIN_H */
