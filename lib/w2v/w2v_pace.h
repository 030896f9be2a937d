/* w2v_pace.h - when a w2v-train run takes a checkpoint (--checkpoint-every): each time the
 * raw words handed out to the workers pass another multiple of every_words (counted from the
 * run's start, so a resumed run keeps the pace of the run it resumes), or every_secs after
 * the last one; either or both may be 0 (never). Asked from the engine's progress callback
 * (w2v_progress_fn), whose "1" makes the engine checkpoint at its next quiet point. */
#ifndef WP_W2V_PACE_H
#define WP_W2V_PACE_H

#include <stdint.h>

struct w2v_pace {
    uint64_t every_words, next_words;
    double every_secs, last;
};

/* start_words: raw words done before this run (a checkpoint's), now: the clock. */
void w2v_pace_start(struct w2v_pace *p, uint64_t every_words, double every_secs,
                    uint64_t start_words, double now);
/* 1 when a checkpoint is due after queued raw words at time now (and the next is then
 * counted from here), else 0. */
int w2v_pace_due(struct w2v_pace *p, uint64_t queued_words, double now);

#endif
