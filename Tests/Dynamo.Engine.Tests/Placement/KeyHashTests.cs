using Dynamo.Engine.Placement;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Placement;

/// <summary>
/// XXH64 against the reference implementation. The pinned vectors were computed with libxxhash 0.8.1: seed 0 with
/// <c>xxhsum -H1</c> (which has no seed option), the seeded ones with the same library through its Python binding
/// (python3-xxhash), whose seed-0 results were checked equal to xxhsum's. Inputs are <see cref="Pattern"/> bytes.
/// </summary>
public sealed class KeyHashTests
{
    // Lengths 0..100 cover every path: below 32 bytes (no stripes) and above (the 32-byte stripe loop), each with
    // every mix of 8-byte, 4-byte and 1-byte tails; the large inputs cover many stripes.
    private static readonly (int Length, ulong Hash)[] s_seedZero =
    [
        (0, 0xEF46DB3751D8E999UL),
        (1, 0xAD10CD9780AC4FF7UL),
        (2, 0xB22635899E8F2235UL),
        (3, 0x40626D96276E4594UL),
        (4, 0x882207C122C76E23UL),
        (5, 0xA3DA885EEC618BB4UL),
        (6, 0xAD9C2ECD863325F1UL),
        (7, 0xCFC90033AA9DAC4FUL),
        (8, 0x90FDA2F089FA86DEUL),
        (9, 0xA80DEB192B8C5215UL),
        (10, 0x3AAF07FC10721C6DUL),
        (11, 0xD2953E1354CAEF18UL),
        (12, 0x333861B25FD6348BUL),
        (13, 0x4E8F0D349A6F20EFUL),
        (14, 0x4DF943FE248C8BBAUL),
        (15, 0x59F95BAD12D14C9DUL),
        (16, 0x3A5B1165D151AA50UL),
        (17, 0xC0BBB6AC5DBEFE29UL),
        (18, 0xA43333C50C99A7B9UL),
        (19, 0xF919C24061C10223UL),
        (20, 0xBD5C3B7ACE1CF9C6UL),
        (21, 0x2718C52BDD650ABFUL),
        (22, 0x955BDFDEB57244D6UL),
        (23, 0xB2D26D6E52E62480UL),
        (24, 0x22A0F61ABE725BF4UL),
        (25, 0x2E7D73F3896A812EUL),
        (26, 0x05286F7B4D3669BAUL),
        (27, 0x581E8369415863B4UL),
        (28, 0x3BEE93D5A57498CAUL),
        (29, 0x186A89BD8A211C92UL),
        (30, 0xC2FE19097A329DE7UL),
        (31, 0x44CC9EFE5D2D0233UL),
        (32, 0x0E1AAB1D173CF196UL),
        (33, 0x5C820B4B4FE28FDCUL),
        (34, 0x674271278616AB41UL),
        (35, 0x22DE45605909B372UL),
        (36, 0x4085F13B32C5FEB0UL),
        (37, 0x92E43D6D89A524DEUL),
        (38, 0x36BD670CD3955867UL),
        (39, 0xD0AB734277760E45UL),
        (40, 0xC0441297B12D2395UL),
        (41, 0x77DEC64A3B3BC5C3UL),
        (42, 0x32AC8537AA1EE157UL),
        (43, 0x533C78D7B4373E03UL),
        (44, 0x0D95EE4190E08749UL),
        (45, 0xA05508CB6737D409UL),
        (46, 0xC87DD14C48FE91C1UL),
        (47, 0xA4D02F0326869446UL),
        (48, 0x8E7952E9DB8EAE71UL),
        (49, 0x4C5A1F7910733F74UL),
        (50, 0x4D87691089AA979BUL),
        (51, 0x7B9CF9C7EE42EDFFUL),
        (52, 0xC1A02E8D0A24430DUL),
        (53, 0x1B90E8100ED94B5EUL),
        (54, 0xBD61FC2BF492D4DDUL),
        (55, 0x910E8A09EEB42EC5UL),
        (56, 0x88576C889955FCE8UL),
        (57, 0x247644B2BC54C238UL),
        (58, 0xF30240A3A869130BUL),
        (59, 0x319659E04033E85DUL),
        (60, 0x137A5DEB3F660384UL),
        (61, 0x159B99D9E0929A9AUL),
        (62, 0xD73D713C67CE4B7AUL),
        (63, 0x1153D36CADE87066UL),
        (64, 0xD4C20EF54CBC9F67UL),
        (65, 0xAC086C9B87BAEA67UL),
        (66, 0x1B497BB2FD3D5691UL),
        (67, 0x087FA05DC97EEEBDUL),
        (68, 0xF9394FBD99B2B1E1UL),
        (69, 0x4F755863C483139BUL),
        (70, 0x56F7033D775AE682UL),
        (71, 0x363D9F519148F6C1UL),
        (72, 0x6A0548683D1CD444UL),
        (73, 0xCAA27ED2519CA6ECUL),
        (74, 0xFECD8204724E6FBBUL),
        (75, 0x6C1C628745896CECUL),
        (76, 0x6816D48787366099UL),
        (77, 0x19652AFACE79D905UL),
        (78, 0x36260E46620DE45EUL),
        (79, 0x4CEF0FE35EAFA02AUL),
        (80, 0x63FC59A2BEA1DC3AUL),
        (81, 0x56FAA5A67D54CA06UL),
        (82, 0x6021F3C2DD80B6F8UL),
        (83, 0x8402C089865ED778UL),
        (84, 0x7CB241996F0ABEC8UL),
        (85, 0x809ED8DF73FF6507UL),
        (86, 0xF38D47FC001211E8UL),
        (87, 0x896B67B91257D86AUL),
        (88, 0xFAEDD5ED0B464437UL),
        (89, 0x85F4F0A8FBA7E1A5UL),
        (90, 0xCF063CE3982B074BUL),
        (91, 0xD8046EFD73376CFAUL),
        (92, 0x60FF10DAB26D2E27UL),
        (93, 0x56659104510E4B23UL),
        (94, 0x42F9427B0D5072EBUL),
        (95, 0xD8137F7D8598EB90UL),
        (96, 0xC0331DAE6E064E2CUL),
        (97, 0xBC3294E0954E656FUL),
        (98, 0xFEA48611327B1586UL),
        (99, 0xFCC64DD6324592D6UL),
        (100, 0x7F8375F3E09D8123UL),
        (255, 0xFC0C21A234C0A092UL),
        (1024, 0x858367D2F49055A4UL),
        (10007, 0xC6CE79491D9DF444UL),
        (100003, 0x21FFD9D93E9D5C56UL),
    ];

    private static readonly (int Length, ulong Seed, ulong Hash)[] s_seeded =
    [
        (0, 0x0000000000000001UL, 0xD5AFBA1336A3BE4BUL),
        (1, 0x0000000000000001UL, 0x3ABF8188650F6B17UL),
        (3, 0x0000000000000001UL, 0xD9D17861E3D29C38UL),
        (4, 0x0000000000000001UL, 0x78DB2845704BAD07UL),
        (7, 0x0000000000000001UL, 0xCEA7F99F21AC16FAUL),
        (8, 0x0000000000000001UL, 0x91BEAC36E23A7101UL),
        (9, 0x0000000000000001UL, 0xD2005FE041589C4BUL),
        (12, 0x0000000000000001UL, 0x5C2EB7B3A7C01C91UL),
        (15, 0x0000000000000001UL, 0xB3C6EEC747D3DC08UL),
        (16, 0x0000000000000001UL, 0xD25D2B435C4EAC63UL),
        (31, 0x0000000000000001UL, 0xDF937BC012CD5288UL),
        (32, 0x0000000000000001UL, 0x07752758EE3553B0UL),
        (33, 0x0000000000000001UL, 0xD1DBFEA5B4353134UL),
        (40, 0x0000000000000001UL, 0x61BDA9EB14DA876AUL),
        (63, 0x0000000000000001UL, 0x07DBC60C223504B4UL),
        (64, 0x0000000000000001UL, 0x63BCDC6A434981D6UL),
        (100, 0x0000000000000001UL, 0xDF140A95291FAB94UL),
        (1000, 0x0000000000000001UL, 0x79ECCEDC0A753044UL),
        (0, 0x000000009E3779B1UL, 0xAC75FDA2929B17EFUL),
        (1, 0x000000009E3779B1UL, 0xF88AE2F48EF24881UL),
        (3, 0x000000009E3779B1UL, 0xF0014C3E749973CEUL),
        (4, 0x000000009E3779B1UL, 0xC094E5997A59FCA8UL),
        (7, 0x000000009E3779B1UL, 0xFC78838E468E8D43UL),
        (8, 0x000000009E3779B1UL, 0x9695EE781E770068UL),
        (9, 0x000000009E3779B1UL, 0x966B7FB9B2A1FF34UL),
        (12, 0x000000009E3779B1UL, 0x4BC9F527E8D8B11FUL),
        (15, 0x000000009E3779B1UL, 0x24DAD7EF0E22C47FUL),
        (16, 0x000000009E3779B1UL, 0xF4E1B549D68A9FB0UL),
        (31, 0x000000009E3779B1UL, 0xD31A362C3B01D50AUL),
        (32, 0x000000009E3779B1UL, 0x7C0185575A4C21E7UL),
        (33, 0x000000009E3779B1UL, 0xEB179EC5ED36D2A8UL),
        (40, 0x000000009E3779B1UL, 0x435DD4CA33F8D02FUL),
        (63, 0x000000009E3779B1UL, 0x53A474F0361430B1UL),
        (64, 0x000000009E3779B1UL, 0x2A36D2B8F2422DF9UL),
        (100, 0x000000009E3779B1UL, 0x4DF30046FD46879FUL),
        (1000, 0x000000009E3779B1UL, 0x9249CE0E30FFD0D5UL),
        (0, 0x9E3779B185EBCA87UL, 0x6EC6D05F61C7E7A7UL),
        (1, 0x9E3779B185EBCA87UL, 0x5867524421AEBD0EUL),
        (3, 0x9E3779B185EBCA87UL, 0xB87923C77E8177F6UL),
        (4, 0x9E3779B185EBCA87UL, 0x271AA5CC21FA7E38UL),
        (7, 0x9E3779B185EBCA87UL, 0x1992042573D827BCUL),
        (8, 0x9E3779B185EBCA87UL, 0x061C72D60546D61CUL),
        (9, 0x9E3779B185EBCA87UL, 0xF006E396FC6CFF8CUL),
        (12, 0x9E3779B185EBCA87UL, 0x5621159CDFCF35AAUL),
        (15, 0x9E3779B185EBCA87UL, 0x275572F3F7E78A1DUL),
        (16, 0x9E3779B185EBCA87UL, 0x649D4100EFAF7380UL),
        (31, 0x9E3779B185EBCA87UL, 0x72360FC425549DCFUL),
        (32, 0x9E3779B185EBCA87UL, 0x4C2970CCFA63828FUL),
        (33, 0x9E3779B185EBCA87UL, 0x33F9D7BFDD2A924CUL),
        (40, 0x9E3779B185EBCA87UL, 0x150D6A567FAA89A7UL),
        (63, 0x9E3779B185EBCA87UL, 0xACF49D1661D50B05UL),
        (64, 0x9E3779B185EBCA87UL, 0xE577C67B2B8D6D3BUL),
        (100, 0x9E3779B185EBCA87UL, 0x4D18DB2F7D5D44D3UL),
        (1000, 0x9E3779B185EBCA87UL, 0x4D092485ABEDC2A7UL),
        (0, 0xFFFFFFFFFFFFFFFFUL, 0x298F4C84B24F5380UL),
        (1, 0xFFFFFFFFFFFFFFFFUL, 0xDC2E21EE587419C3UL),
        (3, 0xFFFFFFFFFFFFFFFFUL, 0x208C3F6F49D52785UL),
        (4, 0xFFFFFFFFFFFFFFFFUL, 0xA3CA1715EBC4E113UL),
        (7, 0xFFFFFFFFFFFFFFFFUL, 0x90866867D75A4298UL),
        (8, 0xFFFFFFFFFFFFFFFFUL, 0x3BDF870FAC3EED30UL),
        (9, 0xFFFFFFFFFFFFFFFFUL, 0x882268D2DAC97544UL),
        (12, 0xFFFFFFFFFFFFFFFFUL, 0xA856F88F36DDE21BUL),
        (15, 0xFFFFFFFFFFFFFFFFUL, 0x28384C47F5C567E7UL),
        (16, 0xFFFFFFFFFFFFFFFFUL, 0x8624551B49AF42A1UL),
        (31, 0xFFFFFFFFFFFFFFFFUL, 0x25608D004DB25B8EUL),
        (32, 0xFFFFFFFFFFFFFFFFUL, 0xEA657AE0D58299C6UL),
        (33, 0xFFFFFFFFFFFFFFFFUL, 0x1C0B053E809DE36EUL),
        (40, 0xFFFFFFFFFFFFFFFFUL, 0x208D1A20F6EB6ECEUL),
        (63, 0xFFFFFFFFFFFFFFFFUL, 0x1A727C92EB65FB17UL),
        (64, 0xFFFFFFFFFFFFFFFFUL, 0xEB902852BE97C9D2UL),
        (100, 0xFFFFFFFFFFFFFFFFUL, 0x9539DB4ADA18374BUL),
        (1000, 0xFFFFFFFFFFFFFFFFUL, 0x17E583A242E5AB7BUL),
    ];

    [TestCase("", 0xEF46DB3751D8E999UL)]
    [TestCase("a", 0xD24EC4F1A98C6E5BUL)]
    [TestCase("abc", 0x44BC2CF5AD770999UL)]
    public void Xxh64_matches_the_published_vectors(string text, ulong expected)
    {
        Assert.That(KeyHash.Xxh64(System.Text.Encoding.ASCII.GetBytes(text)), Is.EqualTo(expected));
    }

    [Test]
    public void Xxh64_matches_the_reference_for_lengths_0_to_100_and_large_inputs()
    {
        Assert.That(s_seedZero, Has.Length.EqualTo(105));
        foreach (var (length, hash) in s_seedZero)
        {
            Assert.That(KeyHash.Xxh64(Pattern(length)), Is.EqualTo(hash), $"length {length}");
        }
    }

    [Test]
    public void Xxh64_matches_the_reference_with_non_zero_seeds()
    {
        foreach (var (length, seed, hash) in s_seeded)
        {
            Assert.That(KeyHash.Xxh64(Pattern(length), seed), Is.EqualTo(hash), $"length {length}, seed {seed:X}");
        }
    }

    [Test]
    public void Xxh64_reads_only_the_given_slice()
    {
        var buffer = Pattern(300);
        Assert.That(KeyHash.Xxh64(buffer.AsSpan(0, 100)), Is.EqualTo(s_seedZero[100].Hash));
        var shifted = new byte[101];
        Pattern(100).CopyTo(shifted, 1);
        Assert.That(KeyHash.Xxh64(shifted.AsSpan(1)), Is.EqualTo(s_seedZero[100].Hash), "unaligned start");
    }

    [TestCase("", "alice", 0x98BD01CC8F398066UL)]
    [TestCase("users", "alice", 0xB2CE7AF7073C79D1UL)]
    [TestCase("users", "", 0x6D8D10C4BAD4BF66UL)]
    [TestCase("carts", "alice", 0x05DBAC170B986513UL)]
    public void A_key_hashes_with_its_bucket_hash_as_seed(string bucket, string key, ulong expected)
    {
        var bucketBytes = System.Text.Encoding.ASCII.GetBytes(bucket);
        var keyBytes = System.Text.Encoding.ASCII.GetBytes(key);
        Assert.That(KeyHash.Of(bucketBytes, keyBytes), Is.EqualTo(expected));
        Assert.That(KeyHash.Of(bucketBytes, keyBytes), Is.EqualTo(KeyHash.Xxh64(keyBytes, KeyHash.Xxh64(bucketBytes))));
    }

    [Test]
    public void The_default_bucket_seeds_with_the_hash_of_no_bytes()
    {
        var key = Pattern(20);
        Assert.That(KeyHash.Of([], key), Is.EqualTo(KeyHash.Xxh64(key, 0xEF46DB3751D8E999UL)));
        Assert.That(KeyHash.Of([], key), Is.Not.EqualTo(KeyHash.Xxh64(key)));
    }

    [Test]
    public void Hashing_allocates_nothing()
    {
        var key = Pattern(100);
        var bucket = Pattern(7);
        var sink = KeyHash.Of(bucket, key);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            sink ^= KeyHash.Of(bucket, key.AsSpan(0, i % 101));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, $"sink {sink}");
    }

    /// <summary>The test input: byte i is (131 i + 17) mod 256.</summary>
    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(((i * 131) + 17) & 0xFF);
        }

        return bytes;
    }
}
