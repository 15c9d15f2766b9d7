/*
 * A fork-join pool for pure pixel work: ls_pool_run() runs fn(arg, 0..n-1) on its worker threads and the
 * caller's, and returns when every call has returned. The pipeline uses it to scale and encode the rungs of
 * one frame in parallel: each task touches only its own rung's state.
 */
#include "config.h"
#include "libstream/internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct LSPool {
    pthread_mutex_t m;
    pthread_cond_t work, done;
    pthread_t *threads;
    int n_threads;
    int quit;
    void (*fn)(void *arg, int i);
    void *arg;
    int n, next, remaining; /* the current run: items, next to take, not yet finished */
};

/* take items of the current run until none is left; called and returns with the lock held */
static void take(LSPool *p)
{
    while (p->next < p->n) {
        const int i = p->next++;
        pthread_mutex_unlock(&p->m);
        p->fn(p->arg, i);
        pthread_mutex_lock(&p->m);
        if (--p->remaining == 0)
            pthread_cond_signal(&p->done);
    }
}

static void *worker(void *opaque)
{
    LSPool *p = opaque;
    pthread_mutex_lock(&p->m);
    while (!p->quit) {
        if (p->next < p->n)
            take(p);
        else
            pthread_cond_wait(&p->work, &p->m);
    }
    pthread_mutex_unlock(&p->m);
    return NULL;
}

int ls_pool_open(LSPool **out, int workers)
{
    *out = NULL;
    if (workers < 1)
        return 0; /* no pool: ls_pool_run() runs everything on the caller */
    LSPool *p = ls_calloc(1, sizeof(*p));
    if (!p)
        return LSTREAM_ERR(ENOMEM);
    p->threads = ls_calloc((size_t)workers, sizeof(*p->threads));
    if (!p->threads) {
        free(p);
        return LSTREAM_ERR(ENOMEM);
    }
    pthread_mutex_init(&p->m, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    for (; p->n_threads < workers; p->n_threads++)
        if (pthread_create(&p->threads[p->n_threads], NULL, worker, p))
            break; /* fewer threads still work; none is fine too */
    *out = p;
    return 0;
}

void ls_pool_run(LSPool *p, void (*fn)(void *arg, int i), void *arg, int n)
{
    if (!p || !p->n_threads || n <= 1) {
        for (int i = 0; i < n; i++)
            fn(arg, i);
        return;
    }
    pthread_mutex_lock(&p->m);
    p->fn = fn;
    p->arg = arg;
    p->n = n;
    p->next = 0;
    p->remaining = n;
    pthread_cond_broadcast(&p->work);
    take(p);
    while (p->remaining > 0)
        pthread_cond_wait(&p->done, &p->m);
    p->n = p->next = 0;
    pthread_mutex_unlock(&p->m);
}

void ls_pool_close(LSPool **pp)
{
    LSPool *p = *pp;
    if (!p)
        return;
    pthread_mutex_lock(&p->m);
    p->quit = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->m);
    for (int i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->m);
    free(p->threads);
    free(p);
    *pp = NULL;
}
