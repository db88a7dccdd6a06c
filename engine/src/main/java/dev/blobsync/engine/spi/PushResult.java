package dev.blobsync.engine.spi;

/**
 * The provider's answer to one {@link Mutation}.
 *
 * @param status  applied, or conflict when the stored revision was not the mutation's base
 * @param current the record as stored after the call (the new revision when applied). An
 *                applied mutation may still have lost fields to later clocks: those fields'
 *                clocks in {@code current} differ from the mutation's
 */
public record PushResult(String mutationId, Status status, RemoteRecord current) {

    public enum Status { APPLIED, CONFLICT }
}
