using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Identity.Tokens;
using Mesh.Identity.V1;
using Mesh.Security.Tokens;

namespace Mesh.Identity.Api;

/// <summary>
/// The public keys that verify tokens, as JWK coordinates, and the credentials revoked recently
/// enough that tokens minted from them may still be alive. Anonymous: key ids are public.
/// </summary>
public sealed class KeySetService(SigningKeyRing keys, StoreRevocationSource revocations) : KeySet.KeySetBase
{
    public override Task<KeySetResponse> GetKeySet(GetKeySetRequest request, ServerCallContext context) => Task.FromResult(Describe(keys));

    public override Task<GetRevocationsResponse> GetRevocations(GetRevocationsRequest request, ServerCallContext context)
    {
        var response = new GetRevocationsResponse();
        response.Revoked.AddRange(revocations.Revoked());
        return Task.FromResult(response);
    }

    public static KeySetResponse Describe(SigningKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Keys.Count == 0)
        {
            keys.Rotate(); // the first key, made on first use
        }

        var response = new KeySetResponse { CurrentKeyId = keys.CurrentKeyId };
        foreach (var key in keys.Keys)
        {
            var point = key.PublicPoint;
            var signingKey = new SigningKey
            {
                KeyId = key.KeyId,
                Algorithm = JwsToken.Algorithm,
                Curve = "P-256",
                X = System.Buffers.Text.Base64Url.EncodeToString(point.X),
                Y = System.Buffers.Text.Base64Url.EncodeToString(point.Y),
            };
            if (key.RetiresAt is { } retires)
            {
                signingKey.RetiresAt = Timestamp.FromDateTimeOffset(retires);
            }

            response.Keys.Add(signingKey);
        }

        return response;
    }
}
