package main

// room is one simulated room and what it says when it announces itself.
type room struct {
	id   string // the room id of the meeting file, and the clip's file name
	text string // Hindi, spoken by espeak-ng's "hi" voice
}

// districtSentence is how a district committee answers the roll call:
// "<district> जिला समिति उपस्थित है", "<district> district committee present".
func districtSentence(name string) string {
	return name + " जिला समिति उपस्थित है"
}

// rooms is every clip that mkclips makes: the host, the central committee
// and the 24 districts of Jharkhand of the real meeting file. It is the one
// place to add a room or change what one says.
func rooms() []room {
	return []room{
		{"host", "नमस्कार साथियों, संवाद में आप सबका स्वागत है"},
		{"central", "केंद्रीय समिति उपस्थित है"},
		{"bokaro", districtSentence("बोकारो")},
		{"chatra", districtSentence("चतरा")},
		{"deoghar", districtSentence("देवघर")},
		{"dhanbad", districtSentence("धनबाद")},
		{"dumka", districtSentence("दुमका")},
		{"east-singhbhum", districtSentence("पूर्वी सिंहभूम")},
		{"garhwa", districtSentence("गढ़वा")},
		{"giridih", districtSentence("गिरिडीह")},
		{"godda", districtSentence("गोड्डा")},
		{"gumla", districtSentence("गुमला")},
		{"hazaribagh", districtSentence("हजारीबाग")},
		{"jamtara", districtSentence("जामताड़ा")},
		{"khunti", districtSentence("खूंटी")},
		{"koderma", districtSentence("कोडरमा")},
		{"latehar", districtSentence("लातेहार")},
		{"lohardaga", districtSentence("लोहरदगा")},
		{"pakur", districtSentence("पाकुड़")},
		{"palamu", districtSentence("पलामू")},
		{"ramgarh", districtSentence("रामगढ़")},
		{"ranchi", districtSentence("रांची")},
		{"sahebganj", districtSentence("साहिबगंज")},
		{"seraikela-kharsawan", districtSentence("सरायकेला खरसावां")},
		{"simdega", districtSentence("सिमडेगा")},
		{"west-singhbhum", districtSentence("पश्चिमी सिंहभूम")},
	}
}
