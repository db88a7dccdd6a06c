package dev.blobsync.engine;

/**
 * How far this device's copy of the records has come along the data provider's change feed.
 * Until a device has caught up once, its tables may hold only part of what the provider holds:
 * a front end must not present them as complete (the mount marks such a table {@code loading}
 * and makes its first listing wait; see {@link SyncEngine#awaitCaughtUp}).
 *
 * @param caughtUp true once a pull on this device has reached the end of the provider's change
 *                 feed, at any time since its local store was created (kept across restarts, so
 *                 a restarted or offline device that caught up before is not loading)
 * @param received records received from the provider since this engine opened
 */
public record PullState(boolean caughtUp, long received) {

    /** True while the first pull of this device's local store has not caught up yet. */
    public boolean loading() {
        return !caughtUp;
    }
}
