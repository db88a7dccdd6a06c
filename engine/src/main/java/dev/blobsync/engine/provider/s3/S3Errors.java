package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.spi.ProviderException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns the SDK's exceptions into {@link ProviderException}s that say what to fix: rejected
 * credentials and a missing bucket name the config keys and are not retryable; 5xx, throttling,
 * timeouts and unreachable hosts are retryable. Messages never contain secrets.
 */
final class S3Errors {
    private static final Set<String> CREDENTIAL_CODES = Set.of("InvalidAccessKeyId", "SignatureDoesNotMatch",
            "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AuthorizationHeaderMalformed");
    private static final Set<String> RETRYABLE_CODES = Set.of("SlowDown", "RequestTimeout", "RequestTimeTooSkewed",
            "InternalError", "ServiceUnavailable", "Throttling", "ThrottlingException", "TooManyRequests");

    private final String where;
    private final String keysHint;
    private final String bucketHint;

    /**
     * @param where      the store, as {@link S3Settings#describe()} says it
     * @param keysHint   where the credentials come from, e.g. {@code 'blobs.config.accessKeyId' and
     *                   'blobs.config.secretAccessKey' in /home/a/blobsync.yaml}
     * @param bucketHint where the bucket is named, e.g. {@code 'blobs.config.bucket' in …}
     */
    S3Errors(String where, String keysHint, String bucketHint) {
        this.where = where;
        this.keysHint = keysHint;
        this.bucketHint = bucketHint;
    }

    /** {@code what} failed: a sentence fragment like {@code "upload part 3 of blob abc…"}. */
    ProviderException of(String what, SdkException e) {
        if (e instanceof AwsServiceException service) {
            int status = service.statusCode();
            String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
            String detail = (code == null ? "HTTP " + status : code + ", HTTP " + status)
                    + (service.awsErrorDetails() == null || service.awsErrorDetails().errorMessage() == null ? ""
                    : ": " + service.awsErrorDetails().errorMessage());
            if (code != null && CREDENTIAL_CODES.contains(code)) {
                return new ProviderException(where + " rejected the credentials when asked to " + what + " ("
                        + detail + "). Check " + keysHint + ".", false, e);
            }
            if ("NoSuchBucket".equals(code)) {
                return new ProviderException("Could not " + what + ": the bucket does not exist in " + where
                        + ". Create it, or fix " + bucketHint + ".", false, e);
            }
            if ("AccessDenied".equals(code) || status == 403) {
                return new ProviderException(where + " denied access when asked to " + what + " (" + detail
                        + "). The key in " + keysHint + " may lack permission for this bucket, or be wrong.",
                        false, e);
            }
            boolean retryable = status >= 500 || status == 429 || (code != null && RETRYABLE_CODES.contains(code));
            return new ProviderException("Could not " + what + " in " + where + " (" + detail + ")", retryable, e);
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof SdkClientException && message.contains("Unable to load credentials")) {
            return new ProviderException("No credentials for " + where + ": set " + keysHint
                    + ", or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.", false, e);
        }
        return new ProviderException("Could not " + what + ": " + where + " cannot be reached (" + message + ")",
                true, e);
    }

    String where() {
        return where;
    }
}
