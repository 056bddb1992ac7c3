/* The turns of an item with messages as one completions prompt, by the
 * model's own chat template: llama.cpp's server renders it for us (POST
 * /apply-template {"messages": [...]} answers {"prompt": "..."}), so the
 * prompt is the one its chat route would have built. A server without the
 * route is refused: guessing a template would ask something else. */
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "openai.h"

static int refuse(const struct pa_engine *e, const char *url, const struct pa__probe *p,
                  struct pa_err *err)
{
        if (p->status == 0)
                return pa_errf(err, PA_ENET, "engine '%s': POST '%s' (the chat template): %s",
                               e->ops->name, url, p->errbuf[0] ? p->errbuf : "no answer");
        return pa_errf(err, PA_ENOTSUP,
                       "engine '%s': items with messages need the model's chat template, and POST "
                       "'%s' answered HTTP %ld (llama.cpp's server has it); use openai-chat",
                       e->ops->name, url, p->status);
}

int pa__openai_apply_template(const struct pa_engine *e, const json_t *messages, char **prompt,
                              struct pa_err *err)
{
        char *root = pa__url_root(e->conf.base_url),
             *url = root ? pa__url_join(root, "/apply-template") : NULL, *body = NULL;
        json_t *req = json_pack("{s:O}", "messages", messages), *ans = NULL;
        const char *text;
        struct pa__probe p;
        int rc = PA_ENOMEM;

        *prompt = NULL;
        memset(&p, 0, sizeof(p));
        if (!url || !req || !(body = json_dumps(req, JSON_COMPACT)))
                goto out;
        pa__probe_run(e, url, body, e->conf.timeout_s > 0 ? e->conf.timeout_s : 120, &p);
        if (p.res != CURLE_OK || p.status < 200 || p.status > 299) {
                rc = refuse(e, url, &p, err);
                goto out;
        }
        ans = p.body.p ? json_loadb(p.body.p, p.body.len, 0, NULL) : NULL;
        if (!(text = json_string_value(json_object_get(ans, "prompt")))) {
                rc = pa_errf(err, PA_EPROTO,
                             "engine '%s': POST '%s': expected {\"prompt\": \"...\"} in the answer",
                             e->ops->name, url);
                goto out;
        }
        rc = (*prompt = strdup(text)) ? 0 : PA_ENOMEM;
out:
        if (rc == PA_ENOMEM)
                pa_errf(err, rc, "out of memory");
        pa__buf_release(&p.body);
        json_decref(ans);
        json_decref(req);
        free(body);
        free(url);
        free(root);
        return rc;
}
