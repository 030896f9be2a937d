/* w2v_pace.c - when a w2v-train run takes a checkpoint (w2v_pace.h). */
#include "w2v_pace.h"

void
w2v_pace_start(struct w2v_pace *p, uint64_t every_words, double every_secs,
               uint64_t start_words, double now)
{
    p->every_words = every_words;
    p->every_secs = every_secs;
    p->next_words = (start_words / (every_words ? every_words : 1) + 1) * every_words;
    p->last = now;
}

int
w2v_pace_due(struct w2v_pace *p, uint64_t queued_words, double now)
{
    if (p->every_words && queued_words >= p->next_words) {
        while (p->next_words <= queued_words)
            p->next_words += p->every_words;
        return 1;
    }
    if (p->every_secs && now - p->last >= p->every_secs) {
        p->last = now;
        return 1;
    }
    return 0;
}
