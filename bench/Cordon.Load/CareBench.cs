using System.Security.Cryptography;
using System.Text;
using Cordon.Core.Care;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;
using Cordon.Core.Subjects;
using Cordon.Server.Tenancy;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Cordon.Load;

/// <summary>
/// The prescription precondition check in process (R53–R57): every check of an approval — human reviewer, not the
/// author, registered pharmacist, human and eligible physician, open consultation, drug classes, a child's attendance
/// and the signature's verification over the canonical form — with a P-256 and an SM2 key, as latency percentiles
/// against the access decision and against the canonical form alone. One thread (one core).
/// </summary>
internal static class CareBench
{
    private static readonly byte[] Resource = Encoding.UTF8.GetBytes("""
        {"resourceType":"MedicationRequest","id":"rx-1","status":"signed","intent":"order","medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"A10BA02","display":"二甲双胍"}],"text":"二甲双胍片 0.5 g"},"subject":{"reference":"Patient/p-1"},"encounter":{"reference":"Encounter/vr"},"authoredOn":"2026-12-04T09:30:00+08:00","requester":{"reference":"Practitioner/dr-li"},"reasonCode":[{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"E11.9"}]}],"dosageInstruction":[{"text":"每日两次，每次 0.5 g，餐后服用"}],"dispenseRequest":{"quantity":{"value":60,"unit":"片"}}}
        """);

    public static IReadOnlyList<ScenarioResult> Run(int iterations, TextWriter log)
    {
        var profile = ProfileLoader.Load(BuiltInProfiles.Text(BuiltInProfiles.Default), "internet-hospital.yaml").Profile!;
        var policy = new AccessPolicy(profile);
        policy.TryGetPurpose("prescription", out var purposeIndex);
        policy.TryGetType("MedicationRequest", out var typeIndex);
        var access = new AccessRequest { Role = Cordon.Core.Access.Role.Pharmacist, Purpose = purposeIndex, RecordType = typeIndex, Action = AccessAction.Write, Level = Cordon.Core.Catalog.Level.L4, SubjectState = SubjectState.Active, Link = SubjectLink.None, Consent = ConsentStatus.Granted, Care = CareRelation.Member, Practitioner = PractitionerStanding.Eligible };
        if (!policy.Decide(access).IsPermitted)
        {
            throw new InvalidOperationException("the bench access decision does not permit");
        }

        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(new ECDomainParameters(GMNamedCurves.GetByName("sm2p256v1")), new SecureRandom()));
        var sm2 = generator.GenerateKeyPair();

        var canonical = PrescriptionSignature.Canonical(Resource);
        var sm2Signer = new SM2Signer(new SM3Digest());
        sm2Signer.Init(true, new ParametersWithRandom(sm2.Private, new SecureRandom()));
        sm2Signer.BlockUpdate(canonical, 0, canonical.Length);

        var request = ClinicalFacts.MedicationRequest(Resource);
        var consultation = new EncounterFacts("vr", "VR", "in-progress", [Code.Of(CareSettings.Icd10, "E11.9")], ["dr-li"]);
        PrescriptionCase Case(string key, byte[] signature) => new()
        {
            Request = request,
            Canonical = canonical,
            Author = "dr-li",
            AuthorStanding = PractitionerStanding.Eligible,
            AuthorKey = key,
            Signature = signature,
            Consultation = consultation,
            ConsultationState = ConsultationState.Open,
            Age = 40,
            Reviewer = "ph-zhao",
            ReviewerStanding = PractitionerStanding.Eligible,
            Drugs = profile.Care.Drugs,
        };

        var p256Case = Case(Convert.ToBase64String(p256.ExportSubjectPublicKeyInfo()), p256.SignData(canonical, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var sm2Case = Case(Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(sm2.Public).GetDerEncoded()), sm2Signer.GenerateSignature());

        // The full check as the approval runs it: the canonical form of the current version, then every precondition.
        bool Full(PrescriptionCase c)
        {
            var current = c with { Canonical = PrescriptionSignature.Canonical(Resource) };
            return PrescriptionPolicy.FirstFailure(PrescriptionPolicy.Evaluate(current, PrescriptionStep.Approve)) is null;
        }

        if (!Full(p256Case) || !Full(sm2Case))
        {
            throw new InvalidOperationException("the bench prescriptions do not pass");
        }

        var baseline = SharingBench.Percentiles(() => policy.Decide(access).IsPermitted, iterations);
        var withP256 = SharingBench.Percentiles(() => Full(p256Case), iterations);
        var withSm2 = SharingBench.Percentiles(() => Full(sm2Case), iterations);
        var noSignature = SharingBench.Percentiles(() => PrescriptionPolicy.Drugs(request, profile.Care.Drugs).Passed && PrescriptionSignature.Canonical(Resource).Length > 0, iterations);
        log.WriteLine($"care: check P-256 p50 {withP256.P50 * 1000:F1} µs p99 {withP256.P99 * 1000:F1} µs, SM2 p50 {withSm2.P50 * 1000:F1} µs p99 {withSm2.P99 * 1000:F1} µs; canonical + drugs p50 {noSignature.P50 * 1000:F1} µs p99 {noSignature.P99 * 1000:F1} µs; access decision p99 {baseline.P99 * 1000:F2} µs");
        return
        [
            new ScenarioResult("access-decision", iterations, baseline.Seconds, iterations / baseline.Seconds, baseline.P50, baseline.P99, 0, null, null, Note: "AccessPolicy.Decide, a pharmacist's write of a MedicationRequest under prescription"),
            new ScenarioResult("canonical-and-drugs", iterations, noSignature.Seconds, iterations / noSignature.Seconds, noSignature.P50, noSignature.P99, 0, "access-decision", noSignature.P99 / baseline.P99, Note: "the canonical form and the drug classes, no signature; ratio of p99"),
            new ScenarioResult("prescription-check-p256", iterations, withP256.Seconds, iterations / withP256.Seconds, withP256.P50, withP256.P99, 0, "access-decision", withP256.P99 / baseline.P99, Note: "every precondition of an approval with ECDSA P-256 verification; ratio of p99"),
            new ScenarioResult("prescription-check-sm2", iterations, withSm2.Seconds, iterations / withSm2.Seconds, withSm2.P50, withSm2.P99, 0, "prescription-check-p256", withSm2.P99 / withP256.P99, Note: "every precondition of an approval with SM2 (BouncyCastle) verification; ratio of p99 against P-256"),
        ];
    }
}
