// weft's 3D view: STL (ASCII and binary), OBJ and 3MF with three.js,
// served by weftd from its assets directory (scripts/build-web). No
// network beyond this node: the model comes from /f/..., the code from
// /assets/. Loaded as a module file: the pages' CSP allows no inline
// script.
import * as THREE from './three.module.js';
import { OrbitControls } from './OrbitControls.js';
import { STLLoader } from './STLLoader.js';
import { OBJLoader } from './OBJLoader.js';
import { ThreeMFLoader } from './3MFLoader.js';

const box = document.getElementById('viewer');
let stop = null;

function parse(ext, buf, material) {
	if (ext === 'stl') {
		const g = new STLLoader().parse(buf);
		g.computeVertexNormals();
		const m = new THREE.Mesh(g, material);
		m.rotation.x = -Math.PI / 2;	// printers are Z-up
		return m;
	}
	if (ext === 'obj') {
		const o = new OBJLoader().parse(new TextDecoder().decode(buf));
		o.traverse((c) => { if (c.isMesh) c.material = material; });
		return o;
	}
	const o = new ThreeMFLoader().parse(buf);	// Z-up already handled
	o.traverse((c) => { if (c.isMesh) c.material = material; });
	return o;
}

function show(src) {
	if (stop) stop();
	box.hidden = false;
	box.textContent = '';
	box.dataset.state = 'loading';
	const w = box.clientWidth || 640, h = box.clientHeight || 400;
	const renderer = new THREE.WebGLRenderer({
		antialias: true, preserveDrawingBuffer: true });
	renderer.setPixelRatio(window.devicePixelRatio);
	renderer.setSize(w, h);
	box.appendChild(renderer.domElement);
	const scene = new THREE.Scene();
	scene.background = new THREE.Color(0xeef1f3);
	scene.add(new THREE.HemisphereLight(0xffffff, 0x667788, 2.2));
	const sun = new THREE.DirectionalLight(0xffffff, 1.6);
	sun.position.set(3, 5, 4);
	scene.add(sun);
	const camera = new THREE.PerspectiveCamera(40, w / h, 0.01, 1e7);
	const controls = new OrbitControls(camera, renderer.domElement);
	controls.enableDamping = true;
	const material = new THREE.MeshStandardMaterial({
		color: 0x3d7fc4, roughness: 0.55, metalness: 0.05,
		side: THREE.DoubleSide });
	const ext = src.split('.').pop().toLowerCase();
	let running = true;
	stop = () => { running = false; renderer.dispose(); };

	fetch(src).then((r) => {
		if (!r.ok) throw new Error('HTTP ' + r.status);
		return r.arrayBuffer();
	}).then((buf) => {
		const obj = parse(ext, buf, material);
		scene.add(obj);
		// Size the view to the model: centre it, back off by its size.
		const bb = new THREE.Box3().setFromObject(obj);
		const size = bb.getSize(new THREE.Vector3());
		const c = bb.getCenter(new THREE.Vector3());
		const r = Math.max(size.length() / 2, 1e-3);
		const d = r / Math.sin((camera.fov * Math.PI / 180) / 2);
		camera.position.copy(c).add(
		    new THREE.Vector3(0.6, 0.45, 0.8).normalize().multiplyScalar(d));
		camera.near = d / 100;
		camera.far = d * 100;
		camera.updateProjectionMatrix();
		controls.target.copy(c);
		controls.update();
		box.dataset.state = 'shown';
	}).catch((e) => {
		box.dataset.state = 'error';
		const p = document.createElement('p');
		p.className = 'error';
		p.textContent = 'This file cannot be shown: ' + e.message;
		box.appendChild(p);
	});
	(function frame() {
		if (!running) return;
		controls.update();
		renderer.render(scene, camera);
		requestAnimationFrame(frame);
	})();
}

for (const b of document.querySelectorAll('button.view'))
	b.addEventListener('click', () => show(b.dataset.src));
